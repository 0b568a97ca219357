// Runs many seeds on one stack and reports the first failure, shrunk.
import { createDriver } from './driver';
import { generateCase } from './generate';
import { checkCase } from './run';
import { describeFailure, shrink } from './shrink';
import { type Coverage, noCoverage } from './types';

/** Sums of what the runs reached, and the first failure (shrunk), if any. */
export interface SeedsOutcome {
  failure: string | undefined;
  coverage: Coverage;
}

/**
 * Runs one generated flow per seed against the engine and the model; every `sdkEvery`-th
 * seed goes through pop-core over HTTP. Stops at the first seed that differs.
 */
export async function checkSeeds(seeds: readonly number[], sdkEvery = 0): Promise<SeedsOutcome> {
  const total = noCoverage();
  const driver = await createDriver();
  try {
    for (const seed of seeds) {
      const c = generateCase(seed, sdkEvery > 0 && seed % sdkEvery === 0);
      const r = await checkCase(driver, c);
      for (const k of Object.keys(total) as Array<keyof Coverage>) total[k] += r.coverage[k];
      if (r.difference) {
        const small = await shrink(driver, c, r.difference);
        return { failure: describeFailure(seed, small.c, small.difference), coverage: total };
      }
    }
    return { failure: undefined, coverage: total };
  } finally {
    await driver.stop();
  }
}
