// Instances killed from outside (an OOM killer, a developer's kill): a request
// that never reached its instance runs on another one, an instance killed while
// it starts is not a bundle that fails to load, and stop() waits for the processes.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { eventually } from '../../support/eventually';
import { processGone as gone } from '../../support/process-gone';
import { fixtureFunction, startRuntimeStack } from './runtime-stack';

const pause = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

// A bundle that takes 600 ms to load: time to kill its instance while it starts.
const slowLoad = mkdtempSync(join(tmpdir(), 'queueflow-slow-load-'));
writeFileSync(
  join(slowLoad, 'index.js'),
  'Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 600);\nexports.handler = async () => "loaded";\n',
);
afterAll(() => rmSync(slowLoad, { recursive: true, force: true }));

describe('function instances killed from outside', () => {
  it('run a request on a fresh instance when its idle one died before the request reached it', async () => {
    const stack = await startRuntimeStack();
    try {
      await stack.runtime.deploy([fixtureFunction('echo', 'index.echo')]);
      expect((await stack.runtime.invoke('echo', '{}')).ok).toBe(true);
      const pid = stack.runtime.list()[0]?.instances[0]?.pid ?? 0;
      process.kill(pid, 'SIGKILL');
      // Dead, its channel closed, and not yet heard of: the pool still counts it idle.
      pause(200);
      const out = await stack.runtime.invoke('echo', '{"n":1}');
      expect(out.ok, JSON.stringify(out)).toBe(true);
      expect(stack.logs.join('\n')).not.toMatch(/instance process error/);
    } finally {
      await stack.stop();
    }
  });

  it('start another instance when one is killed while it starts, instead of an InitializationError', async () => {
    const stack = await startRuntimeStack();
    try {
      const deploying = stack.runtime.deploy([
        fixtureFunction('slow-load', 'index.handler', { codeDir: slowLoad }),
      ]);
      const starting = await eventually(
        () => stack.runtime.list()[0]?.instances[0]?.pid,
        'an instance of slow-load has a pid',
      );
      process.kill(starting, 'SIGKILL');
      await deploying;
      const out = await stack.runtime.invoke('slow-load', '{}');
      expect(out.ok, JSON.stringify(out)).toBe(true);
      expect(stack.logs.join('\n')).not.toMatch(/failed to initialize/);
      expect(stack.logs.join('\n')).toMatch(/killed while it started/);
    } finally {
      await stack.stop();
    }
  });

  it('are all gone when stop() resolves', async () => {
    const stack = await startRuntimeStack({ maxInstances: 3 });
    await stack.runtime.deploy([fixtureFunction('echo', 'index.echo')]);
    await Promise.all([1, 2, 3].map((n) => stack.runtime.invoke('echo', `{"n":${n}}`)));
    const pids = stack.runtime.list()[0]?.instances.map((i) => i.pid ?? 0) ?? [];
    expect(pids.length).toBeGreaterThan(0);
    await stack.stop();
    expect(pids.filter((pid) => !gone(pid))).toEqual([]);
  });
});
