// Runs many seeds and reports the first failure, shrunk.
import { generateOps } from './generate';
import type { ModelMode } from './ops';
import type { RunOutcome } from './outcome';
import { noCoverage } from './outcome';
import { outcomeOf } from './run';
import { describeFailure, shrink } from './shrink';

/** Sums of what the runs exercised, and the first failure (shrunk), if any. */
export interface SeedsOutcome {
  failure: string | undefined;
  runs: number;
  coverage: RunOutcome['coverage'];
}

/** Runs `seeds` in `mode` with `count` operations each; stops at the first failing seed. */
export async function checkSeeds(
  mode: ModelMode,
  seeds: readonly number[],
  count: number,
): Promise<SeedsOutcome> {
  const total = noCoverage();
  let runs = 0;
  for (const seed of seeds) {
    const ops = generateOps(seed, count, mode);
    const r = await outcomeOf(ops, mode);
    runs++;
    for (const k of Object.keys(total) as Array<keyof typeof total>) total[k] += r.coverage[k];
    if (r.mismatch) {
      const small =
        r.mismatch.step < 0 ? { ops, mismatch: r.mismatch } : await shrink(ops, mode, r.mismatch);
      return {
        failure: describeFailure(seed, mode, small.ops, small.mismatch),
        runs,
        coverage: total,
      };
    }
  }
  return { failure: undefined, runs, coverage: total };
}
