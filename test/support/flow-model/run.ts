// One case through the engine and the model.
import { compareRuns, type Difference } from './compare';
import type { FlowDriver } from './driver';
import { evaluate } from './model';
import { type Coverage, type FlowCase, noCoverage } from './types';

/** The first difference of one case (undefined when the engine and the model agree), and what it reached. */
export async function checkCase(
  driver: FlowDriver,
  c: FlowCase,
): Promise<{ difference: Difference | undefined; coverage: Coverage }> {
  const { result: model, coverage, late } = await evaluate(c);
  coverage.runs = 1;
  coverage.sdkRuns = c.sdk ? 1 : 0;
  coverage.succeeded = model.status === 'Succeeded' ? 1 : 0;
  coverage.failed = model.status === 'Failed' ? 1 : 0;
  try {
    return { difference: compareRuns(await driver.run(c, late), model), coverage };
  } catch (err) {
    // A refused flow, a rejected report or a run that stalls is a difference too.
    return {
      difference: { kind: 'threw', engine: `threw ${(err as Error).message}`, model: 'no error' },
      coverage: noCoverage(),
    };
  }
}
