// What the CLI prints for the next step, and a reader that stops reading early.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProgram } from '../../../local/cli/main';
import { silentLogger } from '../../../local/log';
import { type LocalStack, startLocalStack } from '../../../local/stack';
import { runCli, spawnCli, useCli } from '../../support/spawn-cli';

useCli();

let stack: LocalStack;
beforeAll(async () => {
  stack = await startLocalStack({ port: 0, memory: true, logger: silentLogger });
  stack.engine.createFlow({
    Name: 'cli_output',
    Definition: 'version: v1\ntype: flow\nsteps:\n  - type: pass\n    name: only\n',
  });
});
afterAll(() => stack?.stop());

describe('next-step commands the CLI prints', () => {
  it('start-execution names `npx queueflow history`, which runs as printed', async () => {
    const run = await runCli([
      'start-execution',
      'cli_output',
      '--endpoint',
      stack.endpoint,
      '--name',
      'hint-1',
    ]);
    expect(run.code, run.stderr).toBe(0);
    const hint = /see its steps with: (npx queueflow history .*?) {3}\(/.exec(run.stdout)?.[1];
    expect(hint).toBe(`npx queueflow history cli_output hint-1 --endpoint ${stack.endpoint}`);
    const history = await runCli((hint ?? '').split(' ').slice(2));
    expect(history.code, history.stderr).toBe(0);
    expect(history.stdout).toMatch(/ExecutionStarted/);
  });

  it('local --help suggests `npx queueflow start-execution`', async () => {
    const help = await runCli(['local', '--help']);
    expect(help.stdout).toContain('try: npx queueflow start-execution queueflow-demo');
  });

  it('writes every --help example as a command line that runs in a clone (npx queueflow)', async () => {
    // Every command the CLI registers, so one added later is checked too.
    const commands = createProgram().commands.map((c) => c.name());
    expect(commands).toContain('compact');
    const examples: string[] = [];
    for (const help of await Promise.all(commands.map((c) => runCli([c, '--help'])))) {
      const tail = help.stdout.split(/^Examples?.*:$/m)[1] ?? '';
      examples.push(...tail.split('\n').filter((l) => /\bqueueflow (\w|-)+ /.test(l)));
    }
    expect(examples.length).toBeGreaterThan(10);
    // A bare `queueflow` is not on a clone's PATH; npx finds the package's bin.
    expect(examples.filter((l) => /(^|[|=] *)queueflow /.test(l.trim()))).toEqual([]);
  });
});

describe('a reader that stops early', () => {
  it('ends the CLI quietly with its own exit code, not an EPIPE stack trace', async () => {
    stack.engine.startExecution({ FlowName: 'cli_output', ExecutionName: 'pipe-1', Input: '{}' });
    const cli = spawnCli(['history', 'cli_output', 'pipe-1', '--endpoint', stack.endpoint]);
    // As `| (exec 0<&-; true)` or `| head -0`: the read end closes before the table is written.
    cli.child.stdout?.destroy();
    const code = await cli.exited;
    expect(cli.stderr).not.toMatch(/EPIPE|Unhandled 'error' event/);
    expect(code).toBe(0);
  });
});
