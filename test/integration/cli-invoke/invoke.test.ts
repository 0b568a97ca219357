// `queueflow invoke` against a real local stack running the BUILT start-flow
// bundle from s.yaml: the command is parsed by commander exactly as the CLI
// does, only its streams and exit code are captured.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type InvokeIo, registerInvokeCommand } from '../../../local/cli/commands/invoke';
import { createFlowClient } from '../../../shared/clients/flow-client';
import { createTestEnvironment, type TestEnvironment } from '../../../testing';
import { eventually } from '../../support/eventually';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const S_YAML = `${ROOT}s.yaml`;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `queueflow invoke ...args`; a commander usage error counts as its exit code. */
async function invoke(args: string[], stdin = ''): Promise<Run> {
  const out = { code: 0, stdout: '', stderr: '' };
  const io: InvokeIo = {
    stdout: (t) => {
      out.stdout += t;
    },
    stderr: (t) => {
      out.stderr += t;
    },
    readStdin: async () => Buffer.from(stdin),
    setExitCode: (c) => {
      out.code = c;
    },
  };
  const program = new Command('queueflow')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
  registerInvokeCommand(program, io);
  try {
    await program.parseAsync(['invoke', ...args], { from: 'user' });
  } catch (err) {
    if (!(err instanceof CommanderError)) throw err;
    out.code = err.exitCode;
  }
  return out;
}

/** A port where nothing listens, and a server that only counts what reaches it. */
async function listen(server: Server): Promise<string> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('queueflow invoke', () => {
  let env: TestEnvironment;
  let endpoint: string;
  beforeAll(async () => {
    env = await createTestEnvironment({ project: S_YAML, functions: true });
    endpoint = env.endpoint;
  });
  afterAll(() => env?.stop());

  const describeExecution = (executionName: string, waitSeconds = 0) =>
    createFlowClient({ endpoint, credentials: env.credentials }).describeExecution({
      flowName: 'queueflow-demo',
      executionName,
      waitSeconds,
    });

  it('starts an execution with an event invocation and prints the result as pretty JSON', async () => {
    const event = JSON.stringify({
      input: { source: 'orders-2026-11.csv' },
      executionName: 'cli-event',
      wait: 20,
    });
    const run = await invoke(['start-flow', '-e', event, '--endpoint', endpoint]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('\n  "executionName": "cli-event"');
    expect(JSON.parse(run.stdout)).toMatchObject({
      executionName: 'cli-event',
      status: 'Succeeded',
      finished: true,
    });
    expect((await describeExecution('cli-event')).status).toBe('Succeeded');
  });

  it('reads the event from stdin with -e - and invokes asynchronously with --async', async () => {
    const event = JSON.stringify({ input: { source: 'a.csv' }, executionName: 'cli-async' });
    const run = await invoke(['start-flow', '-e', '-', '--async', '--endpoint', endpoint], event);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/accepted.*202/);
    // The 202 comes before the function ran: wait for the execution it starts.
    await eventually(
      () =>
        describeExecution('cli-async', 1).then(
          () => true,
          () => false,
        ),
      'the async invocation started execution cli-async',
      20_000,
    );
  });

  it('POSTs a signed JSON body to the HTTP trigger with --http and the execution exists', async () => {
    const body = JSON.stringify({ input: { source: 'b.csv' }, executionName: 'cli-http' });
    const run = await invoke([
      'start-flow',
      '--http',
      '/?wait=20',
      '-d',
      body,
      '-H',
      'x-request-tag: cli',
      '--endpoint',
      endpoint,
    ]);
    expect(run.stderr).toMatch(/^HTTP 20[02] /);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ executionName: 'cli-http' });
    expect((await describeExecution('cli-http', 20)).status).toBe('Succeeded');
  });

  it('exits 1 and prints the status line when the HTTP trigger answers 4xx', async () => {
    // Signed, so not refused at the door: the function itself rejects the body.
    const run = await invoke(['start-flow', '--http', '-d', '[1,2]', '--endpoint', endpoint]);
    expect(run.stderr).toMatch(/^HTTP 400 /);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('InvalidArgument');
  });

  it("exits 1 with FC's error type and the function's message when the function throws", async () => {
    const event = JSON.stringify({ flowName: 'no-such-flow', input: {} });
    const run = await invoke(['start-flow', '-e', event, '--endpoint', endpoint]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^UnhandledInvocationError: start-flow failed: .*no-such-flow/);
  });

  it('exits 1 with a clear message for a function the stack does not have', async () => {
    const run = await invoke(['strat-flow', '--endpoint', endpoint]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("has no function 'strat-flow' (FunctionNotFound)");
  });

  it('rejects a bad --event as a usage error without calling anything', async () => {
    let requests = 0;
    const server = createServer((_req, res) => {
      requests++;
      res.end();
    });
    const counted = await listen(server);
    try {
      const run = await invoke(['start-flow', '-e', '{"input":', '--endpoint', counted]);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain('--event is not valid JSON');
      const piped = await invoke(['start-flow', '-e', '-', '--endpoint', counted], 'nope');
      expect(piped.code).toBe(1);
      expect(piped.stderr).toContain('--event is not valid JSON');
      expect(requests).toBe(0);
    } finally {
      server.close();
    }
  });

  it('says how to start a stack when nothing listens at the endpoint', async () => {
    const server = createServer();
    const closed = await listen(server);
    await new Promise((r) => server.close(r));
    for (const args of [[], ['--http']]) {
      const run = await invoke(['start-flow', ...args, '--endpoint', closed]);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(`no local stack answers at ${closed}`);
      expect(run.stderr).toContain('npm start');
    }
  });

  it('runs as a real process: a usage error exits 1 through the CLI entry point', async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'local/cli/index.ts', 'invoke', 'start-flow', '-e', '{bad'],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    const [code] = (await once(child, 'exit')) as [number];
    expect(code).toBe(1);
    expect(stderr).toContain('--event is not valid JSON');
  });
});
