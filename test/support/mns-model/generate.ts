// The seeded generator of operation sequences.

import { createRandom } from '../seeded-random';
import type { ModelMode, ModelOp } from './ops';
import { QUEUES } from './queues';

/** `count` operations for `mode`, drawn from `seed`. */
export function generateOps(seed: number, count: number, mode: ModelMode): ModelOp[] {
  const r = createRandom(seed);
  const pick = <T>(a: readonly T[]): T => a[Math.floor(r() * a.length)] as T;
  const handle = () => Math.floor(r() * 1e6);
  const priority = () => (r() < 0.5 ? undefined : 1 + Math.floor(r() * 16));
  const ops: ModelOp[] = [];
  for (let i = 0; i < count; i++) {
    const x = r();
    const q = pick(QUEUES);
    if (mode === 'longpoll') {
      if (x < 0.22)
        ops.push({ op: 'send', q, pri: priority(), delay: pick([undefined, 0, 0, 1, 4, 15]) });
      else if (x < 0.34)
        ops.push({ op: 'recv', q, max: pick([1, 2, 16]), vt: pick([undefined, 1, 3]) });
      else if (x < 0.48)
        ops.push({ op: 'lp', q, max: pick([1, 1, 3, 16]), vt: pick([undefined, undefined, 2]) });
      else if (x < 0.56) ops.push({ op: 'del', q, h: handle() });
      else if (x < 0.64) ops.push({ op: 'cv', q, h: handle(), s: pick([1, 2, 5, 30]) });
      else if (x < 0.82)
        ops.push({ op: 'adv', ms: pick([500, 1000, 2000, 5000, 10_000, 30_000, 61_000]) });
      else if (x < 0.88) ops.push({ op: 'peek', q, max: 16 });
      else if (x < 0.92) ops.push({ op: 'txn', q, h: handle(), kind: 'peek-after-del' });
      else if (x < 0.96) ops.push({ op: 'stats', q });
      else ops.push({ op: 'recreate', q: pick(['qb', 'qa-dlq'] as const) });
      continue;
    }
    // The 'txn' mode spends a fifth of its steps inside transactions that roll back.
    const txnShare = mode === 'txn' ? 0.2 : 0.04;
    const y = x / (1 - txnShare);
    if (x >= 1 - txnShare) {
      ops.push({
        op: 'txn',
        q,
        h: handle(),
        kind: pick(['del', 'cv', 'recv', 'peek-after-del'] as const),
      });
    } else if (y < 0.05) {
      ops.push({
        op: 'bsend',
        q,
        items: [0, 1, 2].map(() => ({ pri: priority(), delay: pick([undefined, 0, 2, 7]) })),
      });
    } else if (y < 0.25)
      ops.push({
        op: 'send',
        q,
        pri: priority(),
        delay: pick([undefined, undefined, 0, 0, 1, 4, 15]),
      });
    else if (y < 0.42)
      ops.push({
        op: 'recv',
        q,
        max: pick([1, 1, 2, 3, 16]),
        vt: pick([undefined, undefined, 1, 3, 20]),
        // Across restarts, half the receives are bound to the process (a trigger's).
        ...(mode === 'file' && r() < 0.5 ? { bound: true } : {}),
      });
    else if (y < 0.5) ops.push({ op: 'peek', q, max: pick([1, 16]) });
    else if (y < 0.6) ops.push({ op: 'del', q, h: handle() });
    else if (y < 0.64) ops.push({ op: 'bdel', q, hs: [handle(), handle()] });
    else if (y < 0.72) ops.push({ op: 'cv', q, h: handle(), s: pick([0, 1, 2, 5, 30]) });
    else if (y < 0.86)
      ops.push({ op: 'adv', ms: pick([100, 500, 1000, 1000, 2000, 5000, 10_000, 30_000, 61_000]) });
    else if (y < 0.95) ops.push({ op: 'stats', q });
    else if (y < 0.97) ops.push({ op: 'recreate', q: pick(['qa', 'qb'] as const) });
    // Only a file data folder survives a restart; elsewhere that share is a stats look.
    else ops.push(mode === 'file' ? { op: 'restart' } : { op: 'stats', q });
  }
  return ops;
}
