// The shrinker of a failing case (fewer steps, fewer branches, simpler answers) and the report.
import { emitFlow } from '../../../shared/fdl/emit';
import type { Step } from '../../../shared/fdl/types';
import type { Difference } from './compare';
import type { FlowDriver } from './driver';
import { checkCase } from './run';
import type { FlowCase } from './types';

/** Every `steps` list of a flow, outermost first, in a stable order. */
function stepLists(steps: Step[], out: Step[][] = []): Step[][] {
  out.push(steps);
  for (const s of steps) {
    if (s.type === 'choice') {
      for (const b of s.choices) if (b.steps) stepLists(b.steps, out);
      if (s.default?.steps) stepLists(s.default.steps, out);
    }
    if (s.type === 'parallel') for (const b of s.branches) stepLists(b.steps, out);
    if (s.type === 'foreach') stepLists(s.steps, out);
  }
  return out;
}

/** Drops the gotos (and catch policies) that name a step no longer in `list`; false if invalid. */
function fixGotos(list: Step[]): boolean {
  const names = new Set(list.map((s) => s.name));
  for (const s of list) {
    if (s.type === 'task' && s.catch) {
      s.catch = s.catch.filter((c) => names.has(c.goto));
      if (s.catch.length === 0) {
        delete s.catch;
        delete s.errorMappings;
      }
    }
    if (s.type === 'choice') {
      for (const b of [...s.choices, ...(s.default ? [s.default] : [])]) {
        if (b.goto !== undefined && !names.has(b.goto)) delete b.goto;
      }
      s.choices = s.choices.filter((b) => b.steps || b.goto);
      if (s.choices.length === 0) return false;
      if (s.default && !s.default.steps && !s.default.goto) delete s.default;
    }
  }
  return true;
}

/** Smaller variants of `c`, each one change away. */
function* candidates(c: FlowCase): Generator<FlowCase> {
  const edit = (change: (d: FlowCase) => unknown) => {
    const d = structuredClone(c);
    return change(d) === false ? undefined : d;
  };
  const listCount = stepLists(c.flow.steps).length;
  for (let li = 0; li < listCount; li++) {
    const len = stepLists(c.flow.steps)[li]?.length ?? 0;
    for (let i = 0; i < len; i++) {
      const d = edit((d) => {
        const list = stepLists(d.flow.steps)[li] as Step[];
        if (list.length < 2) return false;
        list.splice(i, 1);
        return fixGotos(list);
      });
      if (d) yield d;
    }
  }
  for (let li = 0; li < listCount; li++) {
    const len = stepLists(c.flow.steps)[li]?.length ?? 0;
    for (let i = 0; i < len; i++) {
      const simpler = (change: (s: Step) => boolean) =>
        edit((d) => change((stepLists(d.flow.steps)[li] as Step[])[i] as Step));
      const branches = (() => {
        const s = (stepLists(c.flow.steps)[li] as Step[])[i] as Step;
        return s.type === 'parallel' ? s.branches.length : 0;
      })();
      for (let b = 0; b < branches && branches > 1; b++) {
        const d = simpler((s) => s.type === 'parallel' && s.branches.splice(b, 1).length > 0);
        if (d) yield d;
      }
      for (const field of ['retry', 'catch', 'outputMappings', 'inputMappings', 'end'] as const) {
        const d = simpler((s) => {
          if (!(field in s) || (field === 'inputMappings' && s.type === 'task')) return false;
          // A loop's counter step keeps its mappings, or the loop would never end.
          if (field === 'outputMappings' && s.name.startsWith('lp')) return false;
          delete (s as unknown as Record<string, unknown>)[field];
          if (field === 'catch') delete (s as { errorMappings?: unknown }).errorMappings;
          return true;
        });
        if (d) yield d;
      }
    }
  }
  for (const [name, answers] of Object.entries(c.script)) {
    if (answers.length > 1) {
      const d = edit((d) => void d.script[name]?.pop());
      if (d) yield d;
    }
    for (let i = 0; i < answers.length; i++) {
      if (answers[i]?.ok) continue;
      const d = edit((d) => {
        (d.script[name] as unknown[])[i] = { ok: true, output: { v: 0 } };
      });
      if (d) yield d;
    }
  }
  for (const field of ['inputMappings', 'outputMappings'] as const) {
    if (c.flow[field]) {
      const d = edit((d) => void delete d.flow[field]);
      if (d) yield d;
    }
  }
  if (c.late) {
    const d = edit((d) => void delete d.late);
    if (d) yield d;
  }
  const arr = c.input.arr;
  if (Array.isArray(arr) && arr.length > 0) {
    const d = edit((d) => void (d.input.arr as unknown[]).pop());
    if (d) yield d;
  }
}

/**
 * The smallest case found (one change at a time, greedily) that still differs with the same
 * kind of difference, within `budgetMs` of wall time.
 */
export async function shrink(
  driver: FlowDriver,
  c: FlowCase,
  first: Difference,
  budgetMs = 8_000,
): Promise<{ c: FlowCase; difference: Difference }> {
  const deadline = Date.now() + budgetMs;
  let best = { c, difference: first };
  for (let progress = true; progress && Date.now() < deadline; ) {
    progress = false;
    for (const d of candidates(best.c)) {
      if (Date.now() >= deadline) break;
      const r = await checkCase(driver, d);
      if (r.difference && r.difference.kind === first.kind) {
        best = { c: d, difference: r.difference };
        progress = true;
        break;
      }
    }
  }
  return best;
}

/** The failure report: the seed, the difference, the smallest flow and answer script. */
export function describeFailure(seed: number, c: FlowCase, d: Difference): string {
  const inFlow = new Set(
    JSON.stringify(c.flow)
      .match(/"t\d+"/g)
      ?.map((n) => JSON.parse(n)),
  );
  const script = Object.fromEntries(Object.entries(c.script).filter(([n]) => inFlow.has(n)));
  const finite = (c.finite ?? []).filter((n) => inFlow.has(n)).join(', ');
  return [
    `seed ${seed}${c.sdk ? ' (pop-core over HTTP)' : ''}: the engine and the model differ in ${d.kind}`,
    `  engine: ${d.engine}`,
    `  model:  ${d.model}`,
    `  input: ${JSON.stringify(c.input)}`,
    '  (timestamps count from 2000-01-01T00:00:00Z, which the driver moves to the run start)',
    `  answers by attempt: ${JSON.stringify(script)}`,
    ...(finite.length > 0 ? [`  answers not wrapping around (then {} succeeds): ${finite}`] : []),
    ...(c.late ? ['  late and duplicate reports sent'] : []),
    '  smallest flow found:',
    ...emitFlow(c.flow)
      .trimEnd()
      .split('\n')
      .map((l) => `    ${l}`),
  ].join('\n');
}
