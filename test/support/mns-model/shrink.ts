// The shrinker of a failing sequence and the failure report.
import type { ModelMode, ModelOp } from './ops';
import type { Mismatch } from './outcome';
import { outcomeOf } from './run';

/** The kind of a difference, kept while shrinking: the failing operation and what differed. */
const kindOf = (m: Mismatch) => `${m.op.op}:${m.service.split(/[ :]/)[0]}`;

/**
 * The shortest sub-sequence found (removing chunks, then single steps) that still fails
 * with the same kind of difference, within `budgetMs` of wall time.
 */
export async function shrink(
  ops: readonly ModelOp[],
  mode: ModelMode,
  first: Mismatch,
  budgetMs = 8_000,
): Promise<{ ops: ModelOp[]; mismatch: Mismatch }> {
  const deadline = Date.now() + budgetMs;
  let cur = [...ops.slice(0, first.step + 1)];
  let best = first;
  for (let size = Math.max(1, Math.floor(cur.length / 2)); size >= 1 && Date.now() < deadline; ) {
    let removed = false;
    for (let k = 0; k + size <= cur.length && Date.now() < deadline; ) {
      const cand = cur.slice(0, k).concat(cur.slice(k + size));
      const r = await outcomeOf(cand, mode);
      if (r.mismatch && kindOf(r.mismatch) === kindOf(first)) {
        cur = cand.slice(0, r.mismatch.step + 1);
        best = r.mismatch;
        removed = true;
      } else k += size;
    }
    if (!removed) size = Math.floor(size / 2);
  }
  return { ops: cur, mismatch: best };
}

/** The failure report: seed, mode, the minimal sequence and the difference it shows. */
export function describeFailure(
  seed: number,
  mode: ModelMode,
  ops: readonly ModelOp[],
  m: Mismatch,
): string {
  const where = m.step < 0 ? 'before the first step' : `at step #${m.step} ${JSON.stringify(m.op)}`;
  return [
    `seed ${seed} (${mode}): the service and the model differ ${where}`,
    `  service: ${m.service}`,
    `  model:   ${m.model}`,
    `  minimal sequence (${ops.length} ops; replay with runSequence(ops, '${mode}')): ${JSON.stringify(ops)}`,
    '  steps before it:',
    ...m.history.map((h) => `    ${h}`),
  ].join('\n');
}
