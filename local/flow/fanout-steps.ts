import { evaluatePath } from '../../shared/fdl/path';
import type { ForeachStep, Json, JsonObject, ParallelStep } from '../../shared/fdl/types';
import { FlowFailure } from './errors';
import type { ChildFrame, ForeachRun, ParallelRun, SeqFrame } from './state';
import {
  type Completion,
  cancelFrame,
  type InterpreterHost,
  localArray,
  type RunSeq,
  runChild,
  type SeqResult,
} from './step-support';

export function enterParallel(
  frame: SeqFrame,
  step: ParallelStep,
  enteredId: number,
  input: JsonObject,
  host: InterpreterHost,
  runSeq: RunSeq,
): Completion | 'blocked' {
  if (step.branches.length > host.limits.parallelBranches) {
    throw new FlowFailure(
      'FnF.RuntimeError',
      `parallel ${step.name}: more than ${host.limits.parallelBranches} branches`,
    );
  }
  const run: ParallelRun = {
    kind: 'parallel',
    name: step.name,
    enteredId,
    branches: step.branches.map((_, i) => {
      const id = host.emit({
        type: 'BranchEntered',
        stepName: step.name,
        scheduleEventId: enteredId,
        detail: { index: i },
      });
      return {
        enteredId: id,
        frame: {
          path: [...frame.path, frame.idx, 'branches', i, 'steps'],
          idx: 0,
          local: {},
          openedBy: id,
        },
      };
    }),
  };
  frame.step = run;
  return advanceParallel(run, step, input, host, runSeq);
}

/** `input` is the parallel step's input, which every branch runs on. */
export function advanceParallel(
  run: ParallelRun,
  step: ParallelStep,
  input: JsonObject,
  host: InterpreterHost,
  runSeq: RunSeq,
): Completion | 'blocked' {
  for (const [i, b] of run.branches.entries()) {
    if (!b.frame) continue;
    let r: SeqResult;
    try {
      r = runChild(b.frame, input, host, runSeq);
    } catch (err) {
      b.frame = undefined;
      host.emit({
        type: 'BranchExited',
        stepName: step.name,
        scheduleEventId: b.enteredId,
        detail: { index: i, failed: true },
      });
      cancelSiblings(
        run.branches.map((x, index) => ({ frame: x.frame, enteredId: x.enteredId, index })),
        host,
        step.name,
        'BranchExited',
      );
      throw err;
    }
    if (r.state === 'done') {
      b.local = b.frame.local;
      b.frame = undefined;
      host.emit({
        type: 'BranchExited',
        stepName: step.name,
        scheduleEventId: b.enteredId,
        detail: { index: i },
      });
    }
  }
  if (run.branches.some((b) => b.frame)) return 'blocked';
  return localArray(run.branches.map((b) => b.local ?? {}));
}

function cancelSiblings(
  items: Array<{ frame: ChildFrame | undefined; enteredId: number; index: number }>,
  host: InterpreterHost,
  stepName: string,
  type: 'BranchExited' | 'IterationExited',
): void {
  for (const { frame, enteredId, index } of items) {
    if (!frame) continue;
    cancelFrame(frame, host);
    host.emit({ type, stepName, scheduleEventId: enteredId, detail: { index, cancelled: true } });
  }
}

export function enterForeach(
  frame: SeqFrame,
  step: ForeachStep,
  enteredId: number,
  input: JsonObject,
  host: InterpreterHost,
  runSeq: RunSeq,
): Completion | 'blocked' {
  const items = foreachItems(step, input);
  const run: ForeachRun = {
    kind: 'foreach',
    name: step.name,
    enteredId,
    path: [...frame.path, frame.idx, 'steps'],
    next: 0,
    running: {},
    results: items.map(() => null),
  };
  frame.step = run;
  return advanceForeach(run, step, input, host, runSeq);
}

/** The foreach step's collection, read from its input. */
function foreachItems(step: ForeachStep, input: JsonObject): Json[] {
  const items = evaluatePath(step.iterationMapping.collection, { $: input, input });
  if (!Array.isArray(items)) {
    throw new FlowFailure(
      'FnF.RuntimeError',
      `foreach ${step.name}: ${step.iterationMapping.collection} is not an array`,
    );
  }
  return items;
}

/** Iteration `i`'s input: the step's input plus the item (and its index, if mapped). */
function iterationInput(
  step: ForeachStep,
  input: JsonObject,
  items: Json[],
  i: number,
): JsonObject {
  const it: JsonObject = { ...input, [step.iterationMapping.item]: items[i] as Json };
  if (step.iterationMapping.index) it[step.iterationMapping.index] = i;
  return it;
}

/** `input` is the foreach step's input: its collection, and the base of each iteration's input. */
export function advanceForeach(
  run: ForeachRun,
  step: ForeachStep,
  input: JsonObject,
  host: InterpreterHost,
  runSeq: RunSeq,
): Completion | 'blocked' {
  const items = foreachItems(step, input);
  for (;;) {
    let progressed = false;
    while (
      run.next < items.length &&
      Object.keys(run.running).length < host.limits.foreachConcurrency
    ) {
      const i = run.next++;
      const path = run.path;
      const id = host.emit({
        type: 'IterationEntered',
        stepName: step.name,
        scheduleEventId: run.enteredId,
        detail: { index: i },
      });
      run.running[String(i)] = {
        enteredId: id,
        frame: { path, idx: 0, local: {}, openedBy: id },
      };
    }
    for (const [key, it] of Object.entries(run.running)) {
      let r: SeqResult;
      try {
        r = runChild(it.frame, iterationInput(step, input, items, Number(key)), host, runSeq);
      } catch (err) {
        delete run.running[key];
        host.emit({
          type: 'IterationExited',
          stepName: step.name,
          scheduleEventId: it.enteredId,
          detail: { index: Number(key), failed: true },
        });
        cancelSiblings(
          Object.entries(run.running).map(([k, x]) => ({
            frame: x.frame,
            enteredId: x.enteredId,
            index: Number(k),
          })),
          host,
          step.name,
          'IterationExited',
        );
        run.running = {};
        throw err;
      }
      if (r.state === 'done') {
        run.results[Number(key)] = it.frame.local;
        delete run.running[key];
        host.emit({
          type: 'IterationExited',
          stepName: step.name,
          scheduleEventId: it.enteredId,
          detail: { index: Number(key) },
        });
        progressed = true;
      }
    }
    if (!progressed || run.next >= items.length) break;
  }
  if (run.next < items.length || Object.keys(run.running).length > 0) return 'blocked';
  return localArray(run.results.map((r) => r ?? {}));
}
