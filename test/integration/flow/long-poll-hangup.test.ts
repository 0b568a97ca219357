import { describe, expect, it, vi } from 'vitest';
import { eventually } from '../../support/eventually';
import { useFlowStack } from './helpers';

// DescribeExecution's WaitTimeSeconds and StartSyncExecution wait for an
// execution's end. A caller that hangs up first must not leave its wait (a
// timer and the request) behind for the rest of the 60 s, or 5 min.
const ctx = useFlowStack('hangup-q');
const realSetTimeout = globalThis.setTimeout;
const realClearTimeout = globalThis.clearTimeout;

const waiting = `version: v1
type: flow
steps:
  - type: wait
    name: later
    duration: 3600
`;

describe('long polls whose caller hangs up', () => {
  it('ends an in-process DescribeExecution wait when its signal aborts', async () => {
    const flow = await ctx.h.createFlow(waiting);
    const exec = await ctx.h.start(flow);
    const abort = new AbortController();
    const described = ctx.stack.engine.describeExecution(
      { FlowName: flow, ExecutionName: exec, WaitTimeSeconds: '60' },
      { signal: abort.signal },
    );
    setTimeout(() => abort.abort(), 20);
    // Without the signal this waits the whole 60 s (past the test's timeout).
    await expect(described).resolves.toMatchObject({ Name: exec, Status: 'Running' });
  });

  it('releases the wait of an HTTP caller that gave up (pop-core timing out)', async () => {
    const flow = await ctx.h.createFlow(waiting);
    const exec = await ctx.h.start(flow);
    // The server's wait is a 60 s timer; it must be cleared once the caller is gone.
    const waits: unknown[] = [];
    const cleared = new Set<unknown>();
    const set = vi.spyOn(globalThis, 'setTimeout');
    const clear = vi.spyOn(globalThis, 'clearTimeout');
    try {
      set.mockImplementation(((fn: () => void, ms?: number, ...rest: unknown[]) => {
        const handle = realSetTimeout(fn, ms, ...rest);
        if (ms === 60_000) waits.push(handle);
        return handle;
      }) as typeof setTimeout);
      clear.mockImplementation(((handle?: unknown) => {
        cleared.add(handle);
        realClearTimeout(handle as NodeJS.Timeout);
      }) as typeof clearTimeout);
      const err = await ctx.fnf.raw
        .request(
          'DescribeExecution',
          { FlowName: flow, ExecutionName: exec, WaitTimeSeconds: 60 },
          { timeout: 300 },
        )
        .catch((e: unknown) => e);
      expect(String(err)).toMatch(/timeout/i);
      expect(waits).toHaveLength(1);
      await eventually(() => cleared.has(waits[0]), 'the abandoned wait is released', 3000);
    } finally {
      set.mockRestore();
      clear.mockRestore();
    }
  });
});
