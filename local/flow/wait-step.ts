import { evaluatePath } from '../../shared/fdl/path';
import type { Json, JsonObject, WaitStep } from '../../shared/fdl/types';
import { parseRfc3339 } from '../../shared/fdl/validate-data';
import { FlowFailure } from './errors';
import type { SeqFrame, WaitRun } from './state';
import { type Completion, type InterpreterHost, waitKey } from './step-support';

export function enterWait(
  frame: SeqFrame,
  step: WaitStep,
  enteredId: number,
  input: JsonObject,
  host: InterpreterHost,
): Completion | 'blocked' {
  let due: number;
  if (step.timestamp !== undefined) {
    const v = resolveDollar(step.timestamp, input);
    // Read from the data, held to the same rule as a literal one: a time without
    // its zone would be read in the machine's local zone.
    const t = typeof v === 'string' ? parseRfc3339(v) : Number.NaN;
    if (!Number.isFinite(t))
      throw new FlowFailure(
        'FnF.RuntimeError',
        `wait ${step.name}: timestamp ${JSON.stringify(v)} is not RFC 3339`,
      );
    due = t;
  } else {
    const v = resolveDollar(step.duration ?? 0, input);
    const seconds = typeof v === 'string' ? Number(v) : v;
    if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) {
      throw new FlowFailure(
        'FnF.RuntimeError',
        `wait ${step.name}: duration ${JSON.stringify(v)} is not a number of seconds`,
      );
    }
    due = host.now() + seconds * 1000;
  }
  if (due - host.now() > host.limits.waitSeconds * 1000) {
    throw new FlowFailure(
      'FnF.RuntimeError',
      `wait ${step.name}: longer than ${host.limits.waitSeconds} s`,
    );
  }
  if (due <= host.now()) return { local: {} };
  const run: WaitRun = { kind: 'wait', name: step.name, enteredId };
  frame.step = run;
  host.armTimer(waitKey(enteredId), due);
  return 'blocked';
}

function resolveDollar(value: Json | undefined, input: JsonObject): Json | undefined {
  if (typeof value === 'string' && value.startsWith('$')) return evaluatePath(value, { $: input });
  return value;
}
