// Derives each step's state, data, attempts, token status and timings from an
// execution's history alone, so the page can recompute it on every live event.
// Pure: the browser bundle imports this.
import { TOKEN_FIELDS } from '../../../shared/task/envelope';
import { CONTAINER_STEP_TYPES, createEnclosure } from '../../flow/enclosure';
import { EXECUTION_END_EVENTS } from '../../flow/types';
import { detailField, eventDetail, type HistoryEvent } from './history';

/** The colours a step can have on the graph. */
export type StepState = 'not-reached' | 'running' | 'waiting' | 'succeeded' | 'failed' | 'retried';

/** Where the task token of one attempt stands. */
export type TokenStatus = 'none' | 'issued' | 'succeeded' | 'failed' | 'timed-out' | 'cancelled';

/** One task attempt (one TaskScheduled and what followed it). */
export interface TaskAttempt {
  number: number;
  scheduledEventId: number;
  scheduledAt: string;
  submittedAt?: string;
  finishedAt?: string;
  outcome: 'pending' | 'succeeded' | 'failed' | 'timed-out' | 'submit-failed' | 'cancelled';
  resourceArn?: string;
  pattern?: string;
  input?: unknown;
  output?: unknown;
  error?: string;
  cause?: string;
  /** The token shortened for display; tokens are credentials. */
  tokenPreview?: string;
  tokenStatus: TokenStatus;
}

/** One pass through a step (a foreach iteration or a goto loop makes several). */
export interface StepRun {
  enteredEventId: number;
  /** Where in the definition, e.g. `steps[2].branches[0].steps[1]`, when the engine says. */
  path?: string;
  enteredAt: string;
  exitedAt?: string;
  durationMs?: number;
  input?: unknown;
  output?: unknown;
  local?: unknown;
  error?: string;
  cause?: string;
  failed: boolean;
  closed: boolean;
  attempts: TaskAttempt[];
  state: StepState;
}

/** Everything the page shows about one step name. */
export interface StepView {
  name: string;
  /** The step type, when the engine says. */
  type?: string;
  state: StepState;
  runs: StepRun[];
}

/** The derived read model of one execution. */
export interface ExecutionView {
  steps: Record<string, StepView>;
  /** States by definition path, for engines that report paths (step names may repeat). */
  paths: Record<string, StepState>;
  /** Set once an Execution* terminal event is seen. */
  ended?: { type: string; time: string; error?: string; cause?: string };
}

function asText(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** JSON payloads may arrive as JSON text inside the detail; show them as values. */
function asJson(v: unknown): unknown {
  if (typeof v !== 'string') return v;
  const t = v.trim();
  if (!(t.startsWith('{') || t.startsWith('['))) return v;
  try {
    return JSON.parse(t);
  } catch {
    return v;
  }
}

/**
 * Keys whose string value is a task token: those a worker reads it from
 * (TOKEN_FIELDS), and `TaskToken`, the Report* API's parameter, which no worker
 * reads but data copied from an API request may carry. Masking hides more
 * rather than less.
 */
const TOKEN_KEYS: ReadonlySet<string> = new Set([...TOKEN_FIELDS, 'TaskToken']);

const WHOLE_TOKEN = /^dj[EI]j[A-Za-z0-9+/]{16,}={0,2}$/;

/**
 * Whether two task inputs are the same but for their task tokens (a retry's
 * input is its step's input again, with the new attempt's token).
 */
function sameInputButTokens(a: unknown, b: unknown): boolean {
  const strip = (v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v).filter(
            ([k, x]) => !TOKEN_KEYS.has(k) && !(typeof x === 'string' && WHOLE_TOKEN.test(x)),
          ),
        )
      : v;
  return JSON.stringify(strip(a)) === JSON.stringify(strip(b));
}

function findTokenIn(value: unknown): unknown {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return undefined;
  for (const [k, v] of Object.entries(value))
    if (TOKEN_KEYS.has(k) && typeof v === 'string') return v;
  return undefined;
}

/** A copy of `value` with every task token shortened to a preview, for display. */
export function maskTokens(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(maskTokens);
  if (typeof value === 'string') return maskTokenText(value);
  if (!value || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = TOKEN_KEYS.has(k) && typeof v === 'string' ? previewToken(v) : maskTokens(v);
  }
  return out;
}

// A task token is base64 of "v1#..." or "v2#...": it starts djEj or djIj.
const TOKEN_SHAPE = /\b(dj[EI]j[A-Za-z0-9+/]{6})[A-Za-z0-9+/]{16,}={0,2}/g;

/**
 * Cuts every task token in free text (a JSON string inside a value, an escaped
 * detail) to its first 10 characters, whatever key it sits under, or none.
 */
export function maskTokenText(text: string): string {
  return text.replace(TOKEN_SHAPE, '$1…');
}

/** Shows enough of a token to tell two apart, never the whole credential. */
export function previewToken(token: string): string {
  return token.length <= 12 ? `${token.slice(0, 4)}…` : `${token.slice(0, 10)}…${token.slice(-4)}`;
}

function elapsed(from: string, to: string): number | undefined {
  const a = Date.parse(from);
  const b = Date.parse(to);
  return Number.isFinite(a) && Number.isFinite(b) ? b - a : undefined;
}

function runState(run: StepRun): StepState {
  const last = run.attempts.at(-1);
  const hadFailure = run.attempts.some((a) => a.outcome !== 'succeeded' && a.outcome !== 'pending');
  if (run.closed) {
    if (run.failed) return 'failed';
    // A task whose last attempt failed but the step still exited was caught: it failed.
    if (last && last.outcome !== 'succeeded' && last.outcome !== 'cancelled') return 'failed';
    return hadFailure ? 'retried' : 'succeeded';
  }
  if (!last) return 'running';
  if (last.outcome === 'pending') {
    return last.pattern === 'waitForCallback' && (last.submittedAt || last.tokenPreview)
      ? 'waiting'
      : 'running';
  }
  // Between a failed attempt and the next one: the retry backoff.
  return last.outcome === 'succeeded' ? 'running' : 'retried';
}

function aggregate(runs: StepRun[]): StepState {
  if (runs.length === 0) return 'not-reached';
  const open = runs.filter((r) => !r.closed).map((r) => r.state);
  for (const s of ['waiting', 'running', 'retried'] as const) if (open.includes(s)) return s;
  const states = runs.map((r) => r.state);
  if (states.includes('failed')) return 'failed';
  if (states.includes('retried')) return 'retried';
  return 'succeeded';
}

/**
 * The view of one drawn step: the runs at `path` when the engine reports paths (two steps
 * may share a name in different branches), else every run of the name.
 */
export function stepViewAt(view: ExecutionView, name: string, path?: string): StepView | undefined {
  const step = view.steps[name];
  if (!step || !path || !step.runs.some((r) => r.path)) return step;
  const runs = step.runs.filter((r) => r.path === path);
  return { ...step, runs, state: aggregate(runs) };
}

/** Replays `events` (ordered by EventId) into per-step views. */
export function deriveStepStates(events: readonly HistoryEvent[]): ExecutionView {
  const steps: Record<string, StepView> = {};
  const openRuns = new Map<string, StepRun[]>();
  const runByEnteredId = new Map<number, StepRun>();
  const attemptById = new Map<number, { run: StepRun; attempt: TaskAttempt }>();
  const justClosed = new Map<string, StepRun>();
  const view: ExecutionView = { steps, paths: {} };

  const stepOf = (name: string): StepView => {
    let s = steps[name];
    if (!s) {
      s = { name, state: 'not-reached', runs: [] };
      steps[name] = s;
    }
    return s;
  };
  // Concurrent foreach iterations share a step name; prefer the engine's explicit link,
  // then the oldest open run that is not waiting on a task.
  const runFor = (e: HistoryEvent, task?: { input: unknown }): StepRun | undefined => {
    if (e.ScheduleEventId !== undefined) {
      const linked = runByEnteredId.get(e.ScheduleEventId);
      if (linked) return linked;
      const viaAttempt = attemptById.get(e.ScheduleEventId);
      if (viaAttempt) return viaAttempt.run;
    }
    const open = openRuns.get(e.StepName ?? '') ?? [];
    if (task) {
      // A retry repeats its pass's input (tokens aside): concurrent foreach
      // passes are told apart by it in histories without stepEventId.
      const free = open.filter((r) => r.attempts.at(-1)?.outcome !== 'pending');
      return (
        free.find((r) => r.attempts.length > 0 && sameInputButTokens(r.input, task.input)) ??
        free[0] ??
        open.at(-1)
      );
    }
    return open.find((r) => r.attempts.at(-1)?.outcome !== 'pending') ?? open[0];
  };
  const attemptFor = (e: HistoryEvent): TaskAttempt | undefined => {
    if (e.ScheduleEventId !== undefined) {
      const hit = attemptById.get(e.ScheduleEventId);
      if (hit) return hit.attempt;
    }
    const open = openRuns.get(e.StepName ?? '') ?? [];
    for (const run of open) {
      const last = run.attempts.at(-1);
      if (last?.outcome === 'pending') return last;
    }
    return open.at(-1)?.attempts.at(-1);
  };
  const { enclose, within } = createEnclosure();
  /** Ends the open runs under `ancestor`: what enclosed them ended first. */
  const cutOff = (ancestor: number, time: string, cause: string) => {
    for (const [stepName, runs] of openRuns) {
      for (const run of [...runs]) {
        if (!within(run.enteredEventId, ancestor)) continue;
        for (const a of run.attempts) {
          if (a.outcome !== 'pending') continue;
          a.outcome = 'cancelled';
          if (a.tokenStatus === 'issued') a.tokenStatus = 'cancelled';
        }
        run.failed = true;
        run.error ??= 'Cancelled';
        run.cause ??= cause;
        close(run, stepName, time);
      }
    }
  };
  const close = (run: StepRun, name: string, time: string) => {
    if (run.closed) return;
    run.closed = true;
    run.exitedAt = time;
    run.durationMs = elapsed(run.enteredAt, time);
    const open = openRuns.get(name);
    if (open)
      openRuns.set(
        name,
        open.filter((r) => r !== run),
      );
  };

  for (const e of events) {
    const d = eventDetail(e);
    const name = e.StepName;
    if (EXECUTION_END_EVENTS.has(e.Type)) {
      const error = asText(detailField(d, 'error'));
      const cause = asText(detailField(d, 'cause'));
      view.ended = {
        type: e.Type,
        time: e.Time,
        ...(error ? { error } : {}),
        ...(cause ? { cause } : {}),
      };
      // Whatever was still open did not finish: the execution ended around it.
      for (const [stepName, runs] of openRuns) {
        for (const run of [...runs]) {
          for (const a of run.attempts) {
            if (a.outcome !== 'pending') continue;
            a.outcome = 'cancelled';
            if (a.tokenStatus === 'issued') a.tokenStatus = 'cancelled';
          }
          if (e.Type !== 'ExecutionSucceeded') {
            run.failed = true;
            run.error ??= error ?? e.Type.replace('Execution', '');
            if (cause) run.cause ??= cause;
          }
          close(run, stepName, e.Time);
        }
      }
      continue;
    }
    if (!name) continue;
    switch (e.Type) {
      case 'StepEntered': {
        const run: StepRun = {
          enteredEventId: e.EventId,
          enteredAt: e.Time,
          input: asJson(detailField(d, 'input')),
          failed: false,
          closed: false,
          attempts: [],
          state: 'running',
        };
        const path = asText(detailField(d, 'path'));
        if (path) run.path = path;
        const parent = detailField(d, 'parentEventId');
        if (typeof parent === 'number') enclose(e.EventId, parent);
        const type = asText(detailField(d, 'type'));
        const step = stepOf(name);
        if (type) step.type = type;
        justClosed.delete(name);
        step.runs.push(run);
        runByEnteredId.set(e.EventId, run);
        openRuns.set(name, [...(openRuns.get(name) ?? []), run]);
        break;
      }
      case 'BranchEntered':
      case 'IterationEntered':
        if (e.ScheduleEventId !== undefined) enclose(e.EventId, e.ScheduleEventId);
        break;
      case 'BranchExited':
      case 'IterationExited':
        if (e.ScheduleEventId !== undefined && detailField(d, 'cancelled') === true) {
          const sibling = e.Type === 'IterationExited' ? 'iteration' : 'branch';
          cutOff(e.ScheduleEventId, e.Time, `cancelled: another ${sibling} of ${name} failed`);
        }
        break;
      case 'TaskScheduled': {
        const input = asJson(detailField(d, 'input'));
        // The engine names the step instance; older histories are matched in runFor.
        const linked = detailField(d, 'stepEventId');
        const run =
          (typeof linked === 'number' ? runByEnteredId.get(linked) : undefined) ??
          runFor(e, { input });
        if (!run) break;
        // Engines need not put the token in the detail; the flow maps it into the input.
        const token = asText(detailField(d, 'taskToken', 'token')) ?? asText(findTokenIn(input));
        const pattern = asText(detailField(d, 'pattern'));
        const attempt: TaskAttempt = {
          number: run.attempts.length + 1,
          scheduledEventId: e.EventId,
          scheduledAt: e.Time,
          outcome: 'pending',
          tokenStatus: token || pattern === 'waitForCallback' ? 'issued' : 'none',
        };
        const arn = asText(detailField(d, 'resourceArn', 'resource'));
        if (arn) attempt.resourceArn = arn;
        if (pattern) attempt.pattern = pattern;
        if (input !== undefined) attempt.input = input;
        if (token) attempt.tokenPreview = previewToken(token);
        run.attempts.push(attempt);
        attemptById.set(e.EventId, { run, attempt });
        break;
      }
      case 'TaskStarted':
      case 'TaskSubmitted': {
        const a = attemptFor(e);
        if (a) a.submittedAt ??= e.Time;
        break;
      }
      case 'TaskSucceeded':
      case 'TaskFailed':
      case 'TaskTimedOut':
      case 'TaskSubmitFailed': {
        const a = attemptFor(e);
        if (!a) break;
        a.finishedAt = e.Time;
        if (e.Type === 'TaskSucceeded') {
          a.outcome = 'succeeded';
          a.output = asJson(detailField(d, 'output', 'local'));
        } else {
          a.outcome =
            e.Type === 'TaskFailed'
              ? 'failed'
              : e.Type === 'TaskTimedOut'
                ? 'timed-out'
                : 'submit-failed';
          a.error =
            asText(detailField(d, 'error')) ??
            (e.Type === 'TaskTimedOut' ? 'FnF.TaskTimeout' : undefined);
          const cause = asText(detailField(d, 'cause'));
          if (cause) a.cause = cause;
        }
        if (a.tokenStatus === 'issued') {
          a.tokenStatus =
            a.outcome === 'succeeded'
              ? 'succeeded'
              : a.outcome === 'timed-out'
                ? 'timed-out'
                : 'failed';
        }
        break;
      }
      case 'StepSucceeded':
      case 'StepFailed':
      case 'StepExited': {
        // An engine may emit Succeeded/Failed and then Exited for the same pass.
        let run = e.Type === 'StepExited' ? justClosed.get(name) : undefined;
        if (run) justClosed.delete(name);
        else run = runFor(e);
        if (!run) break;
        if (e.Type !== 'StepExited') justClosed.set(name, run);
        const output = detailField(d, 'output');
        if (output !== undefined) run.output = asJson(output);
        const local = detailField(d, 'local');
        if (local !== undefined) run.local = asJson(local);
        if (e.Type === 'StepFailed') {
          run.failed = true;
          run.error = asText(detailField(d, 'error')) ?? run.attempts.at(-1)?.error;
          run.cause = asText(detailField(d, 'cause')) ?? run.attempts.at(-1)?.cause;
        }
        close(run, name, e.Time);
        // Only a parallel, foreach or choice encloses other steps.
        if (CONTAINER_STEP_TYPES.has(steps[name]?.type ?? '')) {
          cutOff(run.enteredEventId, e.Time, `cancelled: ${name} ended first`);
        }
        break;
      }
      default:
        break;
    }
  }

  const byPath = new Map<string, StepRun[]>();
  for (const step of Object.values(steps)) {
    for (const run of step.runs) {
      if (run.local === undefined) {
        const done = [...run.attempts].reverse().find((a) => a.outcome === 'succeeded');
        if (done) run.local = done.output;
      }
      const last = run.attempts.at(-1);
      if (run.closed && last && (last.outcome === 'failed' || last.outcome === 'timed-out')) {
        run.error ??= last.error;
        run.cause ??= last.cause;
      }
      run.state = runState(run);
      if (run.path) byPath.set(run.path, [...(byPath.get(run.path) ?? []), run]);
    }
    step.state = aggregate(step.runs);
  }
  for (const [path, runs] of byPath) view.paths[path] = aggregate(runs);
  return view;
}
