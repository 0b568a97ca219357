// A bad --endpoint (or QUEUEFLOW_ENDPOINT) is refused before any call, naming where
// it came from; an endpoint where nothing answers says to start a stack.
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { runCli, spawnCli, useCli } from '../../support/spawn-cli';

useCli();

const COMMANDS: Record<string, string[]> = {
  'start-execution': ['start-execution', 'queueflow-demo'],
  history: ['history', 'queueflow-demo', 'x'],
  invoke: ['invoke', 'start-flow'],
  // The handlers are not loaded: the endpoint is refused first.
  worker: ['worker', '--queue', 'queueflow-tasks', '--handlers', './no-such-handlers.ts'],
  redrive: ['redrive', '--from', 'queueflow-tasks-dlq', '--to', 'queueflow-tasks'],
};

/** A port where nothing listens (taken, then freed). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('the --endpoint check', () => {
  it.each(Object.keys(COMMANDS))(
    '%s refuses an endpoint without http:// and says which option it was',
    async (name) => {
      const run = await runCli([...(COMMANDS[name] ?? []), '--endpoint', '127.0.0.1:9300']);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(
        '--endpoint must be an http(s) URL such as http://127.0.0.1:9300, got "127.0.0.1:9300" (with the scheme: http://127.0.0.1:9300)',
      );
      expect(run.stderr).not.toMatch(/config\.endpoint|Invalid URL|QUEUEFLOW_ENDPOINT must/);
    },
  );

  it.each(Object.keys(COMMANDS))(
    '%s refuses the console URL, naming the stack URL to pass instead',
    async (name) => {
      const run = await runCli([
        ...(COMMANDS[name] ?? []),
        '--endpoint',
        'http://127.0.0.1:9300/console',
      ]);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(
        "--endpoint must be the stack's URL alone: http://127.0.0.1:9300, without the path /console",
      );
    },
  );

  it('names QUEUEFLOW_ENDPOINT when the bad value came from the environment', async () => {
    for (const name of ['history', 'invoke', 'worker', 'redrive']) {
      const run = await runCli(COMMANDS[name] ?? [], {
        env: { ...process.env, QUEUEFLOW_ENDPOINT: 'localhost:9300' },
      });
      expect(run.code, name).toBe(1);
      expect(run.stderr, name).toContain(
        'QUEUEFLOW_ENDPOINT must be an http(s) URL such as http://127.0.0.1:9300, got "localhost:9300"',
      );
    }
  });
});

describe('an endpoint where nothing answers', () => {
  it('redrive says to start a local stack, without the SDK text run together', async () => {
    const endpoint = `http://127.0.0.1:${await freePort()}`;
    const run = await runCli([...(COMMANDS.redrive ?? []), '--endpoint', endpoint]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      'queueflow redrive: nothing answers at the endpoint (ECONNREFUSED)',
    );
    expect(run.stderr).toContain('Start a local stack in another terminal with `npm start`');
    expect(run.stderr).not.toMatch(/\dGET http|numOfMessages/);
  });

  it('the worker says it once with the same hint, and keeps polling', async () => {
    const endpoint = `http://127.0.0.1:${await freePort()}`;
    const worker = spawnCli([
      'worker',
      '--queue',
      'queueflow-tasks',
      '--handlers',
      'functions/task-worker/handlers.ts',
      '--endpoint',
      endpoint,
    ]);
    await worker.waitFor(/Start a local stack in another terminal/);
    expect(worker.stderr).toContain(
      `queueflow worker: nothing answers at ${endpoint} (ECONNREFUSED); polling until it does.`,
    );
    // The receive is retried after 0.5, 1 and 2 s: none of those failures is said again.
    await new Promise((r) => setTimeout(r, 3000));
    expect(worker.stderr.match(/nothing answers/g)).toHaveLength(1);
    expect(worker.stderr).not.toContain('receive:');
    expect(worker.child.exitCode).toBeNull();
  });
});
