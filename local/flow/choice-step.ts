import { evaluateCondition, parseCondition } from '../../shared/fdl/condition';
import type { ChoiceStep, JsonObject } from '../../shared/fdl/types';
import { FlowFailure } from './errors';
import type { ChoiceRun, SeqFrame } from './state';
import { type Completion, type InterpreterHost, type RunSeq, runChild } from './step-support';

export function enterChoice(
  frame: SeqFrame,
  step: ChoiceStep,
  enteredId: number,
  input: JsonObject,
  host: InterpreterHost,
  runSeq: RunSeq,
): Completion | 'blocked' {
  let branchPath: Array<string | number> | undefined;
  let goto: string | undefined;
  let chosen = false;
  for (const [i, c] of step.choices.entries()) {
    const parsed = parseCondition(c.condition);
    if (!parsed.ok)
      throw new FlowFailure('FnF.RuntimeError', `choice ${step.name}: ${parsed.message}`);
    if (evaluateCondition(parsed.ast, input)) {
      chosen = true;
      goto = c.goto;
      if (c.steps?.length) branchPath = [...frame.path, frame.idx, 'choices', i, 'steps'];
      break;
    }
  }
  if (!chosen && step.default) {
    goto = step.default.goto;
    if (step.default.steps?.length) branchPath = [...frame.path, frame.idx, 'default', 'steps'];
  }
  if (!branchPath) return goto === undefined ? { local: {} } : { local: {}, goto };
  const run: ChoiceRun = {
    kind: 'choice',
    name: step.name,
    enteredId,
    frame: { path: branchPath, idx: 0, local: {}, openedBy: enteredId },
  };
  if (goto !== undefined) run.goto = goto;
  frame.step = run;
  return advanceChoice(run, input, host, runSeq);
}

/** `input` is the choice step's input, which its branch runs on. */
export function advanceChoice(
  run: ChoiceRun,
  input: JsonObject,
  host: InterpreterHost,
  runSeq: RunSeq,
): Completion | 'blocked' {
  const r = runChild(run.frame, input, host, runSeq);
  if (r.state === 'blocked') return r.state;
  // A succeed inside a choice branch ends the enclosing sequences too (the example at
  // https://help.aliyun.com/en/document_detail/122500.html).
  const c: Completion = { local: run.frame.local, succeed: r.succeed };
  if (run.goto !== undefined && !r.succeed) c.goto = run.goto;
  return c;
}
