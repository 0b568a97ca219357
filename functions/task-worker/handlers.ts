import { createHandlerRegistry, type TaskContext } from '../../shared/task/registry';
import { TaskError } from '../../shared/task/task-error';

// The demo's three task handlers (extract -> transform -> load). They are
// deterministic: every number is derived from the source name, so a run's
// output can be asserted exactly.
//
// Test hooks (also deterministic): an input field `simulate` with
//   { delayMs?: number, failWith?: string, retryable?: boolean, failTimes?: number }
// makes the handler wait, then throw TaskError(failWith) (on the first
// `failTimes` attempts this instance sees for that token, or always).

/** What the demo flow maps into each step's input besides task_token and task_type. */
export interface ExtractInput {
  source: string;
  simulate?: Simulate;
}
/** transform and load read the row count the previous step reported. */
export interface RowsInput {
  rows: number;
  source?: string;
  simulate?: Simulate;
}
/** The failure/delay switches the integration tests use. */
export interface Simulate {
  delayMs?: number;
  failWith?: string;
  retryable?: boolean;
  failTimes?: number;
}

function hash(text: string): number {
  let h = 2166136261;
  for (const ch of text) {
    h ^= ch.codePointAt(0) ?? 0;
    h = Math.imul(h, 16777619) >>> 0;
  }
  return h;
}

const attempts = new Map<string, number>();

async function simulate(input: { simulate?: Simulate; task_token?: unknown }, ctx: TaskContext) {
  const s = input.simulate;
  if (!s) return;
  if (s.delayMs && s.delayMs > 0) {
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, s.delayMs);
      ctx.signal.addEventListener('abort', () => {
        clearTimeout(t);
        resolve();
      });
    });
  }
  if (!s.failWith) return;
  const key = typeof input.task_token === 'string' ? input.task_token : '';
  const seen = (attempts.get(key) ?? 0) + 1;
  attempts.set(key, seen);
  if (s.failTimes === undefined || seen <= s.failTimes) {
    throw new TaskError({
      code: s.failWith,
      message: `simulated ${s.retryable ? 'retryable' : 'non-retryable'} failure (attempt ${seen})`,
      retryable: s.retryable ?? false,
    });
  }
}

function requireRows(input: RowsInput, step: string): number {
  if (typeof input.rows !== 'number' || !Number.isInteger(input.rows) || input.rows < 0) {
    throw new TaskError({
      code: 'MissingInput',
      message: `${step} needs "rows" (a whole number) in its input; map it from the previous step's output`,
    });
  }
  return input.rows;
}

/** The demo registry: keyed by `task_type`. */
export const registry = createHandlerRegistry({
  async extract(input: ExtractInput, ctx: TaskContext) {
    await simulate(input, ctx);
    if (typeof input.source !== 'string' || !input.source) {
      throw new TaskError({
        code: 'MissingInput',
        message: 'extract needs "source" (a file name)',
      });
    }
    const h = hash(input.source);
    return { source: input.source, rows: 1000 + (h % 1000), bytes: 64_000 + (h % 65_536) };
  },
  async transform(input: RowsInput, ctx: TaskContext) {
    await simulate(input, ctx);
    const rows = requireRows(input, 'transform');
    // One row in a hundred is rejected as malformed: a fixed rule, so the result is stable.
    const rejected = Math.floor(rows / 100);
    return { rows: rows - rejected, rejected };
  },
  async load(input: RowsInput, ctx: TaskContext) {
    await simulate(input, ctx);
    const rows = requireRows(input, 'load');
    const base = (input.source ?? 'orders').replace(/\.[^.]*$/, '').replace(/\W+/g, '_');
    const table = `staging.${base}`;
    return { table, loaded: rows };
  },
});
