import { describe, expect, it } from 'vitest';
import { edgeTaken } from '../../../local/console/client/graph-view';

describe('the path drawn as taken', () => {
  it('stops at a failed, cancelled or running step, and goes on from one that left normally', () => {
    const end = { kind: 'end', state: 'succeeded' } as const;
    const next = { kind: 'pass', state: 'succeeded' } as const;
    expect(edgeTaken({ kind: 'start', state: 'succeeded' }, next)).toBe(true);
    expect(edgeTaken({ kind: 'task', state: 'succeeded' }, next)).toBe(true);
    expect(edgeTaken({ kind: 'task', state: 'retried' }, next)).toBe(true);
    // A branch that failed or was cut off, a wait that was stopped: nothing went on.
    expect(edgeTaken({ kind: 'task', state: 'failed' }, { kind: 'join', state: 'failed' })).toBe(
      false,
    );
    expect(edgeTaken({ kind: 'join', state: 'failed' }, end)).toBe(false);
    expect(edgeTaken({ kind: 'wait', state: 'failed' }, end)).toBe(false);
    expect(edgeTaken({ kind: 'task', state: 'waiting' }, next)).toBe(false);
    // A fail or succeed step ends the execution by design.
    expect(edgeTaken({ kind: 'fail', state: 'failed' }, end)).toBe(true);
    expect(edgeTaken({ kind: 'task', state: 'succeeded' }, undefined)).toBe(false);
  });
});
