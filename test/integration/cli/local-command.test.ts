// `queueflow local` as a new user runs it: from the project root or not, with the
// documented long-polling worker beside it, with --ready-json in a script.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli, spawnCli, spawnStack, useCli } from '../../support/spawn-cli';
import { useTempDirs } from '../../support/temp-dirs';

useCli();
const tempDir = useTempDirs('queueflow-cli-local-');

/** The handlers example of docs/worker.md, its imports pointed at this checkout. */
function docHandlers(dir: string): string {
  const doc = readFileSync(join(ROOT, 'docs', 'worker.md'), 'utf8');
  const code = /## Handlers[\s\S]*?```ts\n([\s\S]*?)```/.exec(doc)?.[1];
  if (!code) throw new Error('docs/worker.md has no ts example under "## Handlers"');
  const file = join(dir, 'handlers.ts');
  writeFileSync(file, code.replaceAll("'./shared/", `'${join(ROOT, 'shared')}/`));
  return file;
}

describe('queueflow local --no-functions', () => {
  it("leaves the queue to the documented worker: every task runs in it, none in the stack's task-worker", async () => {
    const { endpoint } = await spawnStack(['--no-functions']);
    const worker = spawnCli([
      'worker',
      '--queue',
      'queueflow-tasks',
      '--handlers',
      docHandlers(tempDir()),
      '--endpoint',
      endpoint,
      '--wait-seconds',
      '1',
    ]);
    await worker.waitFor(/worker polling queueflow-tasks/);
    for (let i = 1; i <= 3; i++) {
      const run = await runCli([
        'start-execution',
        'queueflow-demo',
        '--endpoint',
        endpoint,
        '--input',
        JSON.stringify({ source: `w${i}.csv` }),
        '--follow',
      ]);
      expect(run.code, run.stdout + run.stderr).toBe(0);
      // The docs' handlers' output: the stack's own task-worker would add bytes and table.
      expect(run.stdout).toContain(
        `output: {"source":"w${i}.csv","rows":1188,"rejected":12,"loaded":1188}`,
      );
    }
    // The worker prints a task's line after its report, which may end the execution first.
    await worker.waitFor(/(task load succeeded[\s\S]*){3}/);
    for (const type of ['extract', 'transform', 'load']) {
      expect(worker.stdout.match(new RegExp(`task ${type} succeeded`, 'g'))).toHaveLength(3);
    }
    expect(worker.stdout).not.toContain('UnknownTaskType');
  }, 60_000);

  it('says in the banner which functions it left out and the worker command for their queue', async () => {
    const stack = spawnCli(['local', '--port', '0', '--memory', '--no-functions']);
    await stack.waitFor(/Press Ctrl-C to stop/);
    const endpoint = /endpoint {4}(http:\S+)/.exec(stack.stdout)?.[1];
    expect(stack.stdout).toContain(
      '  functions   not started (--no-functions): task-worker, start-flow\n',
    );
    expect(stack.stdout).toContain(
      `run queueflow-tasks:  npx queueflow worker --queue queueflow-tasks --handlers <module> --endpoint ${endpoint}\n`,
    );
    expect(stack.stdout).not.toMatch(/function {4}task-worker/);
  });

  it('is in --help', async () => {
    const help = await runCli(['local', '--help']);
    expect(help.stdout).toMatch(/--no-functions\s+do not run s\.yaml's functions/);
  });
});

describe('queueflow local where there is no s.yaml', () => {
  it('refuses --once and --demo at once, saying where it looked, instead of running an empty stack', async () => {
    const dir = tempDir();
    for (const flag of ['--once', '--demo']) {
      const run = await runCli(['local', '--port', '0', '--memory', flag], { cwd: dir });
      expect(run.code, flag).toBe(1);
      expect(run.stderr).toContain(
        `queueflow: no s.yaml in ${dir}; run from the project root or pass --project <s.yaml>`,
      );
      expect(run.stdout).not.toContain('Starting the local stack');
    }
  });

  it('says so in the banner without --demo', async () => {
    const dir = tempDir();
    const stack = spawnCli(['local', '--port', '0', '--memory'], { cwd: dir });
    await stack.waitFor(/Press Ctrl-C to stop/);
    expect(stack.stdout).toContain(
      `  project     none: no s.yaml in ${dir} (run from the project root or pass --project <s.yaml>)\n`,
    );
  });
});

describe('queueflow local --ready-json', () => {
  it('keeps stdout to the one JSON line with --once: the demo goes to stderr', async () => {
    const run = await runCli(['local', '--port', '0', '--memory', '--ready-json', '--once'], {
      timeoutMs: 60_000,
    });
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stdout.split('\n').filter((l) => l !== '');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] ?? '')).toMatchObject({ endpoint: expect.stringMatching(/^http:/) });
    expect(run.stderr).toContain('Running the demo: flow queueflow-demo');
    expect(run.stderr).toMatch(/Status {2}Succeeded/);
  }, 60_000);
});

describe('queueflow local --data-dir', () => {
  it('says a data folder that is a file is a file, not mkdir EEXIST', async () => {
    const dir = tempDir();
    const file = join(dir, 'not-a-folder');
    writeFileSync(file, 'x');
    const run = await runCli(['local', '--port', '0', '--data-dir', file]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`data folder ${file}: it is a file, not a folder`);
    expect(run.stderr).not.toContain('EEXIST');
    const under = await runCli(['local', '--port', '0', '--data-dir', join(file, 'sub')]);
    expect(under.stderr).toContain(`it lies under ${file}, which is a file, not a folder`);
    expect(under.stderr).not.toContain('ENOTDIR');
  });
});

describe('queueflow local --host', () => {
  it('says a host that is not an address of this machine is one, not that the port is in use', async () => {
    // 192.0.2.1 is TEST-NET-1 (RFC 5737): never an address of a real machine.
    for (const port of ['9300', '0']) {
      const run = await runCli(['local', '--host', '192.0.2.1', '--port', port, '--memory']);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(
        `cannot listen on 192.0.2.1 port ${port}: it is not an address of this machine (EADDRNOTAVAIL)`,
      );
      expect(run.stderr).not.toMatch(/in use|nothing answers|listening on/);
    }
  });
});
