// The runner: applies one sequence to a real stack and to the model and returns the first difference.
import { rmSync } from 'node:fs';
import { errorCode } from './driver';
import type { ModelMode, ModelOp } from './ops';
import type { RunOutcome } from './outcome';
import { noCoverage } from './outcome';
import { T0 } from './queues';
import { createRunContext, settle } from './run-context';
import { applyStep } from './steps';

/** Applies `ops` to a fresh stack (reached as `mode` says) and to the model, step by step. */
export async function runSequence(ops: readonly ModelOp[], mode: ModelMode): Promise<RunOutcome> {
  const run = await createRunContext(ops, mode);
  const { clock, model, history, coverage } = run;
  try {
    run.createAll();
    for (run.step = 0; run.step < ops.length; run.step++) {
      const o = ops[run.step] as ModelOp;
      history.push(`#${run.step} t=${model.now - T0} ${JSON.stringify(o)}`);
      const found = await applyStep(run, o);
      if (found) return found;
      if (mode === 'longpoll') {
        await settle();
        await settle();
        const diff = run.checkPolls();
        if (diff) return diff;
      }
      if (clock.now() !== model.now)
        return run.differ(`clock ${clock.now() - T0}`, `clock ${model.now - T0}`);
    }
    return { mismatch: null, coverage };
  } catch (err) {
    // An error no step expects (a rejected SDK call, a throw from the service) is a difference too.
    return run.differ(`threw ${errorCode(err)}: ${(err as Error).message}`, 'an answer');
  } finally {
    coverage.dlqMoves = model.dlqMoves;
    await run.stack.stop();
    if (run.dataDir) rmSync(run.dataDir, { recursive: true, force: true });
  }
}

/** A run that threw counts as a mismatch at the step it was on. */
export async function outcomeOf(ops: readonly ModelOp[], mode: ModelMode): Promise<RunOutcome> {
  try {
    return await runSequence(ops, mode);
  } catch (err) {
    return {
      mismatch: {
        step: -1,
        op: { op: 'restart' },
        service: `threw ${(err as Error).stack}`,
        model: 'no error',
        history: [],
      },
      coverage: noCoverage(),
    };
  }
}
