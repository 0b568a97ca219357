// A function's asyncInvokeConfig on the local stack: maxAsyncRetryAttempts and
// maxAsyncEventAgeInSeconds, from s.yaml through loadProject to the runtime.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { VirtualClock } from '../../../local/clock';
import { silentLogger } from '../../../local/log';
import { startLocalStack } from '../../../local/stack';
import { eventually } from '../../support/eventually';
import { FIXTURES, fixtureFunction, startRuntimeStack } from './runtime-stack';

const scratch = mkdtempSync(join(tmpdir(), 'queueflow-async-config-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
let n = 0;
const markerFile = () => join(scratch, `marker-${n++}`);

/** An s.yaml with one function, `failing` (it notes context.retryCount, then throws). */
function writeProject(asyncInvokeConfig?: Record<string, unknown>): string {
  const file = join(scratch, `s-${n++}.yaml`);
  const props = {
    region: 'cn-hangzhou',
    functionName: 'failing',
    runtime: 'nodejs20',
    code: FIXTURES,
    handler: 'index.failsNoting',
    timeout: 10,
    ...(asyncInvokeConfig ? { asyncInvokeConfig } : {}),
  };
  writeFileSync(
    file,
    stringify({
      edition: '3.0.0',
      name: 'async-config',
      resources: { failing: { component: 'fc3', props } },
    }),
  );
  return file;
}

/** Runs one async invocation of `failing` from the s.yaml; returns its context.retryCount lines. */
async function retryCountsOf(sYaml: string): Promise<string> {
  const stack = await startLocalStack({
    port: 0,
    memory: true,
    project: sYaml,
    logger: silentLogger,
  });
  try {
    const marker = markerFile();
    stack.functions.invokeAsync('failing', Buffer.from(JSON.stringify({ marker })), {
      requestId: '1-00000000-00000000-000000000001',
    });
    await eventually(() => stack.functions.asyncPending() === 0, 'its retries are over', 10_000);
    return readFileSync(marker, 'utf8');
  } finally {
    await stack.stop();
  }
}

describe('asyncInvokeConfig', () => {
  it('runs a failing handler once with maxAsyncRetryAttempts 0', async () => {
    expect(await retryCountsOf(writeProject({ maxAsyncRetryAttempts: 0 }))).toBe('0\n');
  });

  it('runs it 1 + maxAsyncRetryAttempts times, and 4 times without the setting', async () => {
    expect(await retryCountsOf(writeProject({ maxAsyncRetryAttempts: 1 }))).toBe('0\n1\n');
    expect(await retryCountsOf(writeProject())).toBe('0\n1\n2\n3\n');
  });

  it('drops an event older than maxAsyncEventAgeInSeconds without running it', async () => {
    const clock = new VirtualClock();
    const stack = await startRuntimeStack({ clock });
    try {
      const aged = markerFile();
      const fresh = markerFile();
      const accept = (marker: string, id: string) =>
        stack.runtime.invokeAsync('failing', Buffer.from(JSON.stringify({ marker })), {
          requestId: `1-00000000-00000000-00000000000${id}`,
        });
      // Accepted while the function is not deployed: stored until it is.
      accept(aged, '1');
      await clock.advance(61_000);
      accept(fresh, '2');
      await stack.runtime.deploy([
        fixtureFunction('failing', 'index.failsNoting', {
          asyncInvoke: { maxRetries: 0, maxEventAgeSeconds: 60 },
        }),
      ]);
      await eventually(() => stack.runtime.asyncPending() === 0, 'both are done', 10_000);
      expect(existsSync(aged)).toBe(false);
      expect(readFileSync(fresh, 'utf8')).toBe('0\n');
      expect(stack.logs.join('\n')).toMatch(
        /async invocation dropped: older than its maximum event age .*requestId=1-00000000-00000000-000000000001 ageSeconds=61 maxEventAgeSeconds=60/,
      );
    } finally {
      await stack.stop();
    }
  });
});
