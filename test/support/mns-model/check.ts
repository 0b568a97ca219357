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
  /** Runs whose difference came after an ambiguous wake-up (RunOutcome.inconclusive): not counted. */
  discarded: number;
  coverage: RunOutcome['coverage'];
}

/** Runs `seeds` in `mode` with `count` operations each; stops at the first failing seed. */
export async function checkSeeds(
  mode: ModelMode,
  seeds: readonly number[],
  count: number,
): Promise<SeedsOutcome> {
  const total = noCoverage();
  let discarded = 0;
  let runs = 0;
  for (const seed of seeds) {
    const ops = generateOps(seed, count, mode);
    const r = await outcomeOf(ops, mode);
    runs++;
    for (const k of Object.keys(total) as Array<keyof typeof total>) total[k] += r.coverage[k];
    if (r.mismatch && r.inconclusive) discarded++;
    if (r.mismatch && !r.inconclusive) {
      const small =
        r.mismatch.step < 0 ? { ops, mismatch: r.mismatch } : await shrink(ops, mode, r.mismatch);
      return {
        failure: describeFailure(seed, mode, small.ops, small.mismatch),
        runs,
        discarded,
        coverage: total,
      };
    }
  }
  return { failure: undefined, runs, discarded, coverage: total };
}
