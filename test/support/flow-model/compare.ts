// The comparison of the engine's run with the model's.
import type { RunResult } from './types';

/** What differs first, and its kind (kept while shrinking). */
export interface Difference {
  kind: 'status' | 'output' | 'error' | 'schedules' | 'inputs' | 'late' | 'threw';
  engine: string;
  model: string;
}

const text = (v: unknown) => JSON.stringify(v) ?? 'undefined';

/** Sorted keys, so that two objects with the same entries print the same. */
function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === 'object') {
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, canonical((v as Record<string, unknown>)[k])]),
    );
  }
  return v;
}

/** The first difference between the engine's run and the model's, or undefined. */
export function compareRuns(engine: RunResult, model: RunResult): Difference | undefined {
  if (engine.status !== model.status) {
    return {
      kind: 'status',
      engine: `${engine.status} ${text(engine.error ?? engine.output)}`,
      model: `${model.status} ${text(model.error ?? model.output)}`,
    };
  }
  const e = text(canonical(engine.schedules));
  const m = text(canonical(model.schedules));
  if (e !== m) return { kind: 'schedules', engine: e, model: m };
  const [ei, mi] = [text(canonical(engine.inputs)), text(canonical(model.inputs))];
  if (ei !== mi) return { kind: 'inputs', engine: ei, model: mi };
  // Every late or duplicate report must have been refused, and in the order planned.
  const [el, ml] = [engine.late.join('\n    '), model.late.join('\n    ')];
  if (el !== ml) return { kind: 'late', engine: el, model: ml };
  if (engine.status === 'Succeeded') {
    const [eo, mo] = [text(canonical(engine.output)), text(canonical(model.output))];
    return eo === mo ? undefined : { kind: 'output', engine: eo, model: mo };
  }
  // Where the model has no cause (a task timeout's text is the engine's own), only the error counts.
  const cause = model.cause === undefined ? undefined : engine.cause;
  if (text([engine.error, cause]) === text([model.error, model.cause])) return undefined;
  return {
    kind: 'error',
    engine: text([engine.error, engine.cause]),
    model: text([model.error, model.cause ?? '(any cause)']),
  };
}
