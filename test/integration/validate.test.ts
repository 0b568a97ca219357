import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unusableInput } from '../../local/cli/commands/validate';
import { validateFiles } from '../../local/fdl-files/validate-files';
import { withTimerTrigger } from '../support/project-files';

const root = join(import.meta.dirname, '..', '..');
let dir: string;

// A copy of the project (s.yaml, infra/, flows/) in a temp folder, so files can be broken freely.
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'queueflow-validate-'));
  for (const part of ['s.yaml', 'infra', 'flows'])
    cpSync(join(root, part), join(dir, part), { recursive: true });
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const BROKEN = `version: v1
type: flow
steps:
  - type: task
    name: send
    resourceArn: acs:mns:::/queues/queueflow-task/messages
    pattern: waitForCallback
    serviceParams:
      MessageBody: $
  - type: choice
    name: route
    choices:
      - condition: $.ok == "yes"
        goto: sendd
`;

function runCli(args: string[]) {
  return spawnSync(
    process.execPath,
    [
      join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'),
      join(root, 'local', 'cli', 'index.ts'),
      'validate',
      ...args,
    ],
    {
      cwd: dir,
      encoding: 'utf8',
    },
  );
}

describe('queueflow validate', () => {
  it('checks the flows s.yaml declares and every flows/*.flow.yaml, and finds nothing in the shipped project', () => {
    const result = validateFiles({ files: [], cwd: dir });
    expect(result.projectFile).toBe('s.yaml');
    expect(result.files).toEqual([
      join('flows', 'demo.flow.yaml'),
      join('flows', 'all-steps.flow.yaml'),
    ]);
    expect(result.problems).toEqual([]);
  });

  it('checks every flow file given, across files, with exact positions', () => {
    writeFileSync(join(dir, 'flows', 'broken.flow.yaml'), BROKEN);
    const result = validateFiles({
      files: ['flows/all-steps.flow.yaml', 'flows/broken.flow.yaml'],
      cwd: dir,
    });
    expect(
      result.problems.map(({ file, line, column, severity, code, path }) => ({
        file,
        line,
        column,
        severity,
        code,
        path,
      })),
    ).toEqual([
      {
        file: 'flows/broken.flow.yaml',
        line: 6,
        column: 18,
        severity: 'error',
        code: 'unknown-resource',
        path: 'steps[0].resourceArn',
      },
      {
        file: 'flows/broken.flow.yaml',
        line: 7,
        column: 14,
        severity: 'warning',
        code: 'missing-task-token',
        path: 'steps[0].pattern',
      },
      {
        file: 'flows/broken.flow.yaml',
        line: 14,
        column: 15,
        severity: 'error',
        code: 'goto-target',
        path: 'steps[1].choices[0].goto',
      },
    ]);
    expect(result.problems[0]!.message).toMatch(/Did you mean "queueflow-tasks"\?/);
  });

  it('reports a flow whose constant message parts exceed 64 KiB', () => {
    // A constant MessageBody is not step data, so only the message limit applies to it.
    const text = readFileSync(join(dir, 'flows', 'demo.flow.yaml'), 'utf8').replace(
      'MessageBody: $',
      `MessageBody: ${'x'.repeat(66_000)}`,
    );
    writeFileSync(join(dir, 'flows', 'big.flow.yaml'), text);
    const line = text.split('\n').findIndex((l) => l.includes('MessageBody:')) + 1;
    const result = validateFiles({ files: ['flows/big.flow.yaml'], cwd: dir });
    expect(result.problems).toMatchObject([
      {
        severity: 'error',
        code: 'message-too-large',
        path: 'steps[0].serviceParams.MessageBody',
        line,
        column: 20,
        message: /is 66000 bytes from its constant parts alone; the limit is 65536 bytes/,
      },
      {
        severity: 'warning',
        code: 'missing-task-token',
        path: 'steps[0].serviceParams.MessageBody',
        line,
        column: 20,
      },
    ]);
  });

  it('expands a folder to the flow files in it', () => {
    const result = validateFiles({ files: ['flows'], cwd: dir, project: false });
    expect(result.files).toContain(join('flows', 'demo.flow.yaml'));
    expect(result.files).toContain(join('flows', 'all-steps.flow.yaml'));
    expect(result.files.every((f) => f.endsWith('.flow.yaml'))).toBe(true);
  });

  it('reports a file that cannot be read', () => {
    const result = validateFiles({ files: ['flows/missing.flow.yaml'], cwd: dir, project: false });
    expect(result.problems).toMatchObject([
      {
        severity: 'error',
        file: join('flows', 'missing.flow.yaml'),
        line: 1,
        column: 1,
        message: /cannot read the file/,
      },
    ]);
  });

  it('reports a file that is not UTF-8 instead of reading it with replacement characters', () => {
    writeFileSync(
      join(dir, 'flows', 'latin1.flow.yaml'),
      Buffer.from('version: v1\ntype: flow\nsteps:\n  - type: pass\n    name: caf\xe9\n', 'latin1'),
    );
    const result = validateFiles({ files: ['flows/latin1.flow.yaml'], cwd: dir, project: false });
    expect(result.problems).toMatchObject([
      { severity: 'error', message: /not valid UTF-8/, line: 1, column: 1 },
    ]);
  });

  it('skips cross-file checks with project false', () => {
    writeFileSync(join(dir, 'flows', 'broken.flow.yaml'), BROKEN);
    const result = validateFiles({ files: ['flows/broken.flow.yaml'], cwd: dir, project: false });
    expect(result.problems.map((p) => p.code)).toEqual(['missing-task-token', 'goto-target']);
    expect(result.projectFile).toBeUndefined();
  });

  it('reports an s.yaml that cannot be loaded as a problem with its file', () => {
    writeFileSync(join(dir, 'bad-s.yaml'), 'edition: 3.0.0\nresources: [\n');
    const result = validateFiles({
      files: ['flows/demo.flow.yaml'],
      cwd: dir,
      project: 'bad-s.yaml',
    });
    expect(result.problems[0]).toMatchObject({
      severity: 'error',
      code: 'project',
      file: 'bad-s.yaml',
    });
  });

  it("reports what s.yaml asks for that the local stack does not run, as the project's warnings", () => {
    const text = withTimerTrigger(readFileSync(join(dir, 's.yaml'), 'utf8'));
    writeFileSync(join(dir, 'timer-s.yaml'), text);
    const result = validateFiles({ files: [], cwd: dir, project: 'timer-s.yaml' });
    expect(result.problems).toContainEqual(
      expect.objectContaining({
        severity: 'warning',
        code: 'project',
        file: 'timer-s.yaml',
        message: 'task-worker: timer trigger nightly does not run locally',
      }),
    );
  });

  it('prints file:line:col severity code message (path) and exits 1 on errors', () => {
    writeFileSync(join(dir, 'flows', 'broken.flow.yaml'), BROKEN);
    const run = runCli(['flows/broken.flow.yaml']);
    expect(run.status).toBe(1);
    const lines = run.stdout.trim().split('\n');
    expect(lines[0]).toMatch(
      /^flows\/broken\.flow\.yaml:6:18 error unknown-resource queue "queueflow-task" is not declared in s\.yaml\..* \(steps\[0\]\.resourceArn\)$/,
    );
    expect(lines).toHaveLength(3);
    expect(run.stderr).toContain('1 file (checked against s.yaml): 2 errors, 1 warning');
  });

  it('exits 2 on bad usage (an unknown option, a missing value), as its help says', () => {
    expect(runCli(['--bogus']).status).toBe(2);
    expect(runCli(['--format']).status).toBe(2);
    expect(runCli(['--help']).status).toBe(0);
  });

  it('exits 2 with one clear line when a file is missing, as for other usage errors', () => {
    const run = runCli(['flows/nonexist.flow.yaml']);
    expect(run.status).toBe(2);
    expect(run.stderr).toBe(
      'queueflow validate: cannot read flows/nonexist.flow.yaml: no such file or directory\n',
    );
    expect(run.stdout).toBe('');
  });

  it('refuses a typed flow (TypeScript) and says how to get its YAML, with exit 2', () => {
    const run = runCli(['flows/demo.flow.ts']);
    expect(run.status).toBe(2);
    const lines = run.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^queueflow validate: flows\/demo\.flow\.ts is TypeScript/);
    expect(lines[0]).toContain('validate reads FDL YAML');
    expect(lines[0]).toContain('emitFlow(flow) from shared/fdl');
    expect(run.stdout).toBe('');
    for (const file of ['x.flow.mts', 'x.cts', 'x.js', 'x.mjs', 'X.CJS']) {
      expect(unusableInput(file, dir)).toContain(`${file} is TypeScript or JavaScript`);
    }
    expect(unusableInput('flows/demo.flow.yaml', dir)).toBeUndefined();
    expect(unusableInput('flows', dir)).toBeUndefined();
    // A folder is a folder, whatever its name.
    mkdirSync(join(dir, 'odd.flow.js'), { recursive: true });
    expect(unusableInput('odd.flow.js', dir)).toBeUndefined();
  });

  it('exits 1 on warnings only with --strict, and prints JSON with --format json', () => {
    const warnOnly = BROKEN.replace('queueflow-task/', 'queueflow-tasks/').replace(
      'goto: sendd',
      'goto: send',
    );
    writeFileSync(join(dir, 'flows', 'warn.flow.yaml'), warnOnly);
    expect(runCli(['--strict', 'flows/warn.flow.yaml']).status).toBe(1);
    const json = runCli(['--format', 'json', 'flows/warn.flow.yaml']);
    expect(json.status).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({
      files: ['flows/warn.flow.yaml'],
      project: 's.yaml',
      errors: 0,
      warnings: 1,
      problems: [{ code: 'missing-task-token', line: 7, column: 14 }],
    });
  });
});
