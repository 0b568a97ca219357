import { createHash, randomUUID } from 'node:crypto';
import { applyMappings } from '../../shared/fdl/mappings';
import { parseFlowDocument } from '../../shared/fdl/parse';
import type { Flow, JsonObject } from '../../shared/fdl/types';
import type { QueueService } from '../mns/types';
import type { StackContext } from '../stack';
import { FlowFailure, fnfErrors } from './errors';
import { createHistoryWriter } from './history-writer';
import { submitTask } from './integrations';
import { drive, type EmitEvent, type InterpreterHost, initialState } from './interpreter';
import { invokeOutcome } from './invoke-outcome';
import { CLOUD_LIMITS, definitionLimits, type FlowLimits, RELAXED_LIMITS } from './limits';
import { createRepo, type ExecHead, type ExecRow, type FlowRow } from './repo';
import { FLOW_MIGRATIONS } from './schema';
import { type ExecState, findTask, type Outcome, type TaskRun, walkRuns } from './state';
import { createTokenCodec, type TaskTokenParts } from './tokens';
import {
  EXECUTION_END_EVENT,
  type FlowEvent,
  type FunctionInvokeRequest,
  type FunctionInvoker,
  type HistoryEvent,
} from './types';
import { isoTime } from './views';

/** The queue operations the engine uses (the local MNS service provides them). */
export type FlowQueues = Pick<QueueService, 'sendMessage'>;

/** One transition's view of an execution. */
export interface Txn {
  readonly row: ExecHead;
  readonly running: boolean;
  readonly state: ExecState;
  readonly host: InterpreterHost;
  changed: boolean;
  ended: boolean;
}

/** How an execution ends. */
export type Ending =
  | { status: 'Succeeded'; output: JsonObject }
  | { status: 'Failed' | 'TimedOut' | 'Stopped'; error: string; cause: string };

/**
 * The durable core: every change to an execution is one SQLite transaction
 * (state + history + timers + outbox message); side effects that must not run
 * on a rolled-back transaction (arming timers, waking waiters, invoking
 * functions, telling listeners) run after it commits.
 */
export function createFlowCore(ctx: StackContext, deps: { queues: FlowQueues }) {
  const { store, clock, logger } = ctx;
  store.migrate('flow', FLOW_MIGRATIONS);
  // The newest execution a v1 token may name (see migration 003).
  const v1TokenMaxExec = Number(
    store.db.prepare("SELECT value FROM flow_meta WHERE key = 'v1-token-max-exec'").pluck().get() ??
      0,
  );
  const repo = createRepo(store);
  const tokens = createTokenCodec(store);
  const limits: FlowLimits = ctx.relaxLimits ? RELAXED_LIMITS : CLOUD_LIMITS;
  const log = logger.child('flow');
  const armed = new Map<string, () => void>();
  const waiters = new Map<number, Set<() => void>>();
  const listeners = new Set<(e: FlowEvent) => void>();
  const flowCache = new Map<string, Flow>();
  let invoker: FunctionInvoker = async (req) => ({
    ok: false,
    error: 'FC.FunctionNotFound',
    cause: `function ${req.functionName} does not exist (no local function runtime is attached)`,
  });
  let inTxn = false;
  let stopped = false;
  const deferred: Array<() => void> = [];
  // Transitions a commit sets off (a child flow's start, a parent's callback):
  // run in order once every effect of the commits before them has run, so
  // listeners see each execution's events in id order.
  const followOns: Array<() => void> = [];
  let drainingFollowOns = false;
  // Function calls this process has in flight (execution id and scheduled event
  // id): never launched twice.
  const invoking = new Set<string>();
  // Until the stack's functions are deployed (releaseLaunches), function calls
  // wait here: the ones a stop cut off and any a transition makes meanwhile.
  let heldLaunches: Array<() => void> | undefined = [];

  // Parsed definitions per running execution, so a transition reads neither the
  // definition text nor hashes it.
  const byExecution = new Map<number, Flow>();
  function flowOfExecution(execId: number): Flow {
    let flow = byExecution.get(execId);
    if (!flow) {
      const text = repo.definitionOf.get(execId)?.definition ?? '';
      flow = parseDefinition(text);
      if (byExecution.size >= 20_000) byExecution.clear();
      byExecution.set(execId, flow);
    }
    return flow;
  }

  function parseDefinition(text: string): Flow {
    let flow = flowCache.get(text);
    if (!flow) {
      // Checked against the limits at CreateFlow; at run time each step checks the
      // stack's own (a flow made on a relaxed stack still loads on a strict one).
      // A definition an older version accepted and this one would refuse (a
      // wait until Feb 30) still runs: the step that meets the problem fails then.
      const parsed = parseFlowDocument(text, { limits: definitionLimits(RELAXED_LIMITS) });
      const runnable = parsed.flow ?? parsed.partial;
      if (!runnable) throw new FlowFailure('FnF.RuntimeError', 'the flow definition is invalid');
      flow = runnable;
      if (flowCache.size > 200) flowCache.clear();
      flowCache.set(text, flow);
    }
    return flow;
  }

  /**
   * The row of flow_definitions holding `text`, made if new (inside the
   * caller's transaction: a rollback takes it back, so nothing is cached).
   */
  function definitionId(text: string): number {
    const hash = createHash('sha256').update(text).digest('base64');
    const known = repo.definitionByHash.get(hash);
    if (known) return known.id;
    return Number(repo.insertDefinition.run(hash, text).lastInsertRowid);
  }

  function runAfter(effects: Array<() => void>): void {
    for (const fn of effects) {
      try {
        fn();
      } catch (err) {
        log.error('post-commit effect failed', { error: String(err) });
      }
    }
  }

  const history = createHistoryWriter(store);

  /** Runs `fn` in one transaction, then its effects; nested calls are deferred until the outer one ends. */
  function atomically<R>(fn: (effects: Array<() => void>) => R): R {
    const effects: Array<() => void> = [];
    const outer = !inTxn;
    inTxn = true;
    let result: R;
    const deferredMark = deferred.length;
    try {
      const mark = history.mark();
      result = store.transaction(() => {
        try {
          const r = fn(effects);
          history.flush();
          return r;
        } catch (err) {
          // A rolled-back transaction must not leak its events into the next one.
          history.rollback(mark);
          throw err;
        }
      });
    } catch (err) {
      // Effects of nested transitions that were rolled back with this one never run.
      deferred.length = deferredMark;
      throw err;
    } finally {
      if (outer) inTxn = false;
    }
    if (outer) {
      // Only the outermost call drains the follow-ons: one made from inside an
      // effect (a listener calling the API) queues its own behind them.
      const drainer = !drainingFollowOns;
      drainingFollowOns = true;
      try {
        runAfter(effects);
        while (deferred.length > 0 && !inTxn) deferred.shift()?.();
        if (drainer) while (followOns.length > 0) runAfter(followOns.splice(0, 1));
      } finally {
        if (drainer) drainingFollowOns = false;
      }
    } else deferred.push(() => runAfter(effects));
    return result;
  }

  // Group commit: API calls queued in the same turn run as savepoints of one
  // transaction, so a burst of reports pays for one commit instead of one each.
  // Adaptive: the first call of a turn commits at once (a lone report waits for
  // nothing); only calls arriving after it in the same turn are deferred and share
  // the next commit. A burst of n then costs two commits instead of n.
  const batch: Array<{ fn: () => unknown; done: (r: { ok: boolean; value: unknown }) => void }> =
    [];
  let turnBusy = false;
  const endTurn = () => {
    turnBusy = false;
  };
  function batched<R>(fn: () => R): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      batch.push({
        fn,
        done: (r) => (r.ok ? resolve(r.value as R) : reject(r.value)),
      });
      if (!turnBusy) {
        turnBusy = true;
        setImmediate(endTurn);
        if (batch.length === 1) {
          flushBatch();
          return;
        }
      }
      if (batch.length === 1) setImmediate(flushBatch);
    });
  }
  function flushBatch(): void {
    const items = batch.splice(0);
    const only = items.length === 1 ? items[0] : undefined;
    if (only) {
      // Alone, the call's own transaction is the commit: no outer one, no savepoint.
      let r: { ok: boolean; value: unknown };
      try {
        r = { ok: true, value: only.fn() };
      } catch (err) {
        r = { ok: false, value: err };
      }
      only.done(r);
      return;
    }
    const results: Array<{ ok: boolean; value: unknown }> = [];
    try {
      atomically(() => {
        for (const item of items) {
          try {
            results.push({ ok: true, value: item.fn() });
          } catch (err) {
            results.push({ ok: false, value: err });
          }
        }
      });
    } catch (err) {
      for (const item of items) item.done({ ok: false, value: err });
      return;
    }
    for (const [i, item] of items.entries()) {
      item.done(results[i] ?? { ok: false, value: new Error('lost') });
    }
  }

  function emitEvent(
    row: ExecHead,
    state: ExecState,
    e: EmitEvent,
    effects: Array<() => void>,
    terminal = false,
  ): number {
    const id = e.id ?? state.nextEventId;
    // Checked before the id is taken: the terminal event that follows gets it.
    if (!terminal && id > limits.historyEvents) {
      throw new FlowFailure(
        'FnF.HistoryLimitExceeded',
        `execution history exceeds ${limits.historyEvents} events`,
      );
    }
    if (id >= state.nextEventId) state.nextEventId = id + 1;
    const now = clock.now();
    const detail = JSON.stringify(e.detail);
    history.add(row.id, id, e.scheduleEventId ?? 0, e.type, e.stepName, now, detail);
    if (listeners.size > 0) {
      const event: HistoryEvent = {
        EventId: id,
        ScheduleEventId: e.scheduleEventId ?? 0,
        Type: e.type,
        StepName: e.stepName,
        Time: isoTime(now),
        EventDetail: detail,
      };
      const fe: FlowEvent = { flowName: row.flow_name, executionName: row.name, event };
      effects.push(() => {
        for (const l of listeners) l(fe);
      });
    }
    return id;
  }

  function armTimer(execId: number, key: string, atMs: number, effects: Array<() => void>) {
    repo.insertTimer.run(execId, key, atMs);
    effects.push(() => armInMemory(execId, key, atMs));
  }

  function armInMemory(execId: number, key: string, atMs: number) {
    const k = `${execId}|${key}`;
    armed.get(k)?.();
    armed.set(
      k,
      clock.setTimer(atMs, () => {
        armed.delete(k);
        if (!stopped) fireTimer(execId, key);
      }),
    );
  }

  function cancelTimer(execId: number, key: string, effects: Array<() => void>) {
    repo.deleteTimer.run(execId, key);
    effects.push(() => {
      const k = `${execId}|${key}`;
      armed.get(k)?.();
      armed.delete(k);
    });
  }

  // A goto loop without a wait would otherwise spin inside one transition forever
  // when the history limit is relaxed.
  const MAX_EVENTS_PER_TRANSITION = 1_000_000;

  function makeHost(
    row: ExecHead,
    state: ExecState,
    flow: Flow,
    t: { changed: boolean },
    effects: Array<() => void>,
  ): InterpreterHost {
    let emitted = 0;
    const host: InterpreterHost = {
      flow,
      flowName: row.flow_name,
      executionName: row.name,
      limits,
      now: () => clock.now(),
      allocId: () => {
        t.changed = true;
        return state.nextEventId++;
      },
      emit: (e) => {
        t.changed = true;
        if (++emitted > MAX_EVENTS_PER_TRANSITION) {
          throw new FlowFailure(
            'FnF.RuntimeError',
            'too many steps without a pause (a goto loop?)',
          );
        }
        return emitEvent(row, state, e, effects);
      },
      token: (eventId) =>
        tokens.mint({
          flowName: row.flow_name,
          executionName: row.name,
          execId: row.id,
          eventId,
        }),
      armTimer: (key, at) => armTimer(row.id, key, at, effects),
      cancelTimer: (key) => cancelTimer(row.id, key, effects),
      submit: (run, step, input) =>
        submitTask({ run, step, input, host, core: coreForIntegrations, effects, execId: row.id }),
    };
    return host;
  }

  /**
   * One transition of one execution: load, mutate, drive as far as possible,
   * persist. `mutate` sees `t.running === false` for ended executions.
   */
  function transition<R>(execId: number, mutate: (t: Txn, effects: Array<() => void>) => R): R {
    return atomically((effects) => {
      const head = repo.execHead.get(execId);
      if (!head) throw fnfErrors.executionNotExists(String(execId), '');
      const { state: stateText, ...row } = head;
      const running = row.status === 'Running' && stateText !== null;
      const state: ExecState = running ? JSON.parse(stateText as string) : initialState({});
      const box = { changed: false };
      const flow = running
        ? flowOfExecution(execId)
        : ({ version: 'v1', type: 'flow', steps: [] } as Flow);
      const host = makeHost(row, state, flow, box, effects);
      const t: Txn = {
        row,
        running,
        state,
        host,
        get changed() {
          return box.changed;
        },
        set changed(v: boolean) {
          box.changed = v;
        },
        ended: false,
      };
      let result: R;
      try {
        result = mutate(t, effects);
      } catch (err) {
        if (!(err instanceof FlowFailure) || !running || t.ended) throw err;
        // A limit hit while recording a task's result outside drive() (the
        // 5,000th history event on a report, a timeout or a callback): the
        // execution fails, as the limit says, rather than the whole change being
        // undone and the execution left waiting for good. A report is accepted:
        // its answer's EventId is the terminal event's.
        const ended = endExecution(
          t,
          { status: 'Failed', error: err.error, cause: err.detail },
          effects,
        );
        return ended as R;
      }
      if (running && !t.ended) {
        const d = drive(state, host);
        if (d.state === 'succeeded')
          endExecution(t, { status: 'Succeeded', output: d.output }, effects);
        else if (d.state === 'failed') {
          endExecution(t, { status: 'Failed', error: d.error, cause: d.cause }, effects);
        }
      }
      if (running && !t.ended && t.changed) repo.saveState.run(execId, JSON.stringify(state));
      return result;
    });
  }

  /** Ends the execution in the transaction; returns its terminal event's id. */
  function endExecution(t: Txn, ending: Ending, effects: Array<() => void>): number {
    const { row, state } = t;
    // Every armed timer has its row (armTimer writes it in the same transaction), so
    // this cancels the step runs' timers and the flow timeout alike.
    for (const { key } of repo.execTimers.all(row.id)) cancelTimer(row.id, key, effects);
    const now = clock.now();
    const detail: JsonObject =
      ending.status === 'Succeeded'
        ? { output: ending.output }
        : { error: ending.error, cause: ending.cause };
    const eventId = emitEvent(
      row,
      state,
      { type: EXECUTION_END_EVENT[ending.status], stepName: '', detail },
      effects,
      true,
    );
    repo.endExec.run({
      id: row.id,
      status: ending.status,
      output: ending.status === 'Succeeded' ? JSON.stringify(ending.output) : null,
      error: ending.status === 'Succeeded' ? null : ending.error,
      cause: ending.status === 'Succeeded' ? null : ending.cause,
      stopped_ms: now,
    });
    repo.deleteState.run(row.id);
    byExecution.delete(row.id);
    t.ended = true;
    if (row.callback_token) {
      const outcome: Outcome =
        ending.status === 'Succeeded'
          ? { ok: true, local: ending.output }
          : {
              ok: false,
              error: ending.status === 'Failed' ? ending.error : `FnF.Execution${ending.status}`,
              cause: ending.cause,
            };
      const parts = tokens.parse(row.callback_token);
      const target = parts && tokenExecution(parts);
      if (parts && target) {
        const info = repo.insertInbox.run(target.id, parts.eventId, JSON.stringify(outcome));
        const id = Number(info.lastInsertRowid);
        effects.push(() => followOns.push(() => processInbox(id)));
      }
    }
    effects.push(() => {
      const set = waiters.get(row.id);
      if (set) for (const w of set) w();
    });
    return eventId;
  }

  /**
   * Resolves when the execution ends, after `seconds`, or when `signal` aborts
   * (the caller hung up), whichever comes first.
   */
  function waitForEnd(execId: number, seconds: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve) => {
      if (signal?.aborted) {
        resolve();
        return;
      }
      let set = waiters.get(execId);
      if (!set) {
        set = new Set();
        waiters.set(execId, set);
      }
      const s = set;
      let timer: NodeJS.Timeout | undefined;
      const done = () => {
        s.delete(done);
        if (s.size === 0) waiters.delete(execId);
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      s.add(done);
      signal?.addEventListener('abort', done, { once: true });
      // Transport time, not the stack clock: it bounds an HTTP request, and a
      // VirtualClock test should not have to advance time to end a long poll.
      timer = setTimeout(done, seconds * 1000);
    });
  }

  /** Ends a task attempt with `outcome`, recording the Task* event. Returns its EventId. */
  function completeTask(t: Txn, run: TaskRun, outcome: Outcome, timedOut = false): number {
    return recordOutcome(run, outcome, t.host, timedOut);
  }

  function fireTimer(execId: number, key: string): void {
    try {
      transition(execId, (t, effects) => {
        repo.deleteTimer.run(execId, key);
        if (!t.running) return;
        const [kind, idText] = key.split(':');
        const id = Number(idText);
        if (kind === 'flow') {
          endExecution(
            t,
            { status: 'TimedOut', error: 'FnF.Timeout', cause: 'the flow timeoutSeconds elapsed' },
            effects,
          );
        } else if (kind === 'express') {
          endExecution(
            t,
            {
              status: 'TimedOut',
              error: 'FnF.Timeout',
              cause: `an Express execution runs at most ${id} seconds`,
            },
            effects,
          );
        } else if (kind === 'timeout') {
          const run = findTask(
            t.state.root,
            (r) => r.scheduledId === id && r.phase !== 'backoff' && !r.outcome,
          );
          if (run) {
            completeTask(
              t,
              run,
              { ok: false, error: 'FnF.TaskTimeout', cause: 'task timed out' },
              true,
            );
          }
        } else if (kind === 'retry') {
          const run = findTask(t.state.root, (r) => r.enteredId === id && r.phase === 'backoff');
          if (run) {
            run.retryDue = true;
            t.changed = true;
          }
        } else if (kind === 'wait') {
          walkRuns(t.state.root, (r) => {
            if (r.kind === 'wait' && r.enteredId === id) {
              r.fired = true;
              t.changed = true;
            }
          });
        }
      });
    } catch (err) {
      log.error('timer transition failed', { execId, key, error: String(err) });
    }
  }

  function processInbox(id: number): void {
    const item = repo.inboxItem.get(id);
    if (!item) return;
    try {
      transition(item.exec_id, (t) => {
        repo.deleteInbox.run(id);
        if (!t.running) return;
        const outcome = JSON.parse(item.outcome) as Outcome;
        const run = findTask(
          t.state.root,
          (r) => r.scheduledId === item.event_id && r.phase === 'waiting' && !r.outcome,
        );
        if (run) completeTask(t, run, outcome);
      });
    } catch (err) {
      log.error('inbox transition failed', { id, error: String(err) });
    }
  }

  function launchInvoke(execId: number, run: TaskRun, req: FunctionInvokeRequest): void {
    const scheduledId = run.scheduledId;
    const call = `${execId}:${scheduledId}`;
    if (heldLaunches) {
      heldLaunches.push(() => launchInvoke(execId, run, req));
      return;
    }
    if (invoking.has(call)) return;
    invoking.add(call);
    invoker(req)
      .catch((err: unknown) => ({ ok: false as const, error: 'FC.Unknown', cause: String(err) }))
      .then((res) => {
        invoking.delete(call);
        if (stopped) return;
        transition(execId, (t) => {
          if (!t.running) return;
          const r = findTask(
            t.state.root,
            (x) =>
              x.scheduledId === scheduledId &&
              !x.outcome &&
              (x.phase === 'invoking' || (x.phase === 'waiting' && x.invoke !== undefined)),
          );
          if (!r) return;
          if (r.phase === 'invoking') {
            completeTask(t, r, invokeOutcome(res));
            return;
          }
          // waitForCallback: the cloud invokes the function asynchronously, so only a
          // platform error (FC.FunctionNotFound, FC.ResourceThrottled, ...) fails the
          // attempt; an error thrown by the function's code leaves the step waiting
          // for a report or its timeout, as it would in the cloud.
          if (!res.ok && res.error.startsWith('FC.')) completeTask(t, r, invokeOutcome(res));
          else {
            if (!res.ok)
              log.warn('function failed in a waitForCallback task', { error: res.error });
            r.invokeAccepted = true;
            t.changed = true;
          }
        });
      })
      .catch((err: unknown) =>
        log.error('invoke transition failed', { execId, error: String(err) }),
      );
  }

  /**
   * Creates an execution row (inside the caller's transaction) and schedules its
   * first drive after commit. Idempotent by name while running (the API rule).
   */
  function createExecution(
    p: { flow: FlowRow; name: string; input: JsonObject; callbackToken?: string | undefined },
    effects: Array<() => void>,
  ): { row: ExecRow; created: boolean } {
    const existing = repo.execByName.get(p.flow.id, p.name);
    if (existing) {
      if (existing.status !== 'Running')
        throw fnfErrors.executionAlreadyExists(p.name, p.flow.name);
      if (p.callbackToken !== undefined) attachCallback(existing, p.callbackToken);
      return { row: existing, created: false };
    }
    const flow = parseDefinition(p.flow.definition);
    const now = clock.now();
    const flowInput = flow.inputMappings ? applyFlowInput(flow, p.input) : p.input;
    const state = initialState(flowInput);
    const info = repo.insertExec.run({
      flow_id: p.flow.id,
      flow_name: p.flow.name,
      name: p.name,
      definition_id: definitionId(p.flow.definition),
      input: JSON.stringify(p.input),
      callback_token: p.callbackToken ?? null,
      started_ms: now,
    });
    const id = Number(info.lastInsertRowid);
    const row = repo.exec.get(id) as ExecRow;
    emitEvent(
      row,
      state,
      { type: 'ExecutionStarted', stepName: '', detail: { input: p.input } },
      effects,
      true,
    );
    const flowSeconds = flow.timeoutSeconds && flow.timeoutSeconds > 0 ? flow.timeoutSeconds : 0;
    // An Express execution runs 5 minutes at most (cloud limit), whatever the flow says.
    const expressSeconds =
      p.flow.execution_mode === 'Express' && Number.isFinite(limits.expressSeconds)
        ? limits.expressSeconds
        : 0;
    if (expressSeconds > 0 && (flowSeconds === 0 || expressSeconds < flowSeconds)) {
      // The limit rides in the key: a restart with other limits still says the right one.
      armTimer(id, `express:${expressSeconds}`, now + expressSeconds * 1000, effects);
    } else if (flowSeconds > 0) {
      armTimer(id, 'flow', now + flowSeconds * 1000, effects);
    }
    repo.saveState.run(id, JSON.stringify(state));
    effects.push(() => followOns.push(() => kick(id)));
    return { row, created: true };
  }

  /**
   * The execution a token's task belongs to: by row id (v2 tokens; names are
   * reused once a flow is deleted and created again), by name for v1 tokens.
   */
  function tokenExecution(parts: TaskTokenParts): { id: number } | undefined {
    if (parts.execId === undefined) {
      const row = repo.latestExecId.get(parts.flowName, parts.executionName);
      return row && row.id <= v1TokenMaxExec ? row : undefined;
    }
    const row = repo.execNames.get(parts.execId);
    return row?.flow_name === parts.flowName && row.name === parts.executionName
      ? { id: parts.execId }
      : undefined;
  }

  /**
   * A sync child-flow task that names a child already running waits for that
   * child (the API returns the running execution): its token joins it. A newer
   * attempt of the same parent replaces the older one's token; a task of
   * another execution cannot wait on a child someone else already waits on.
   */
  function attachCallback(child: ExecRow, token: string): void {
    const current = child.callback_token ? tokens.parse(child.callback_token) : undefined;
    const next = tokens.parse(token);
    if (current && next && current.execId !== next.execId) {
      throw fnfErrors.executionAlreadyExists(child.name, child.flow_name);
    }
    repo.setCallbackToken.run(token, child.id);
  }

  function applyFlowInput(flow: Flow, input: JsonObject): JsonObject {
    try {
      return applyMappings(flow.inputMappings ?? [], { input, local: {} });
    } catch (err) {
      throw fnfErrors.invalidArgument(`flow inputMappings failed: ${String(err)}`);
    }
  }

  function kick(execId: number): void {
    try {
      transition(execId, () => undefined);
    } catch (err) {
      log.error('drive failed', { execId, error: String(err) });
    }
  }

  /** Re-arms timers, delivers pending callbacks and resumes every running execution. */
  function recover(): void {
    for (const t of repo.timers.all()) armInMemory(t.exec_id, t.key, t.at_ms);
    for (const item of repo.inbox.all()) processInbox(item.id);
    for (const { id } of repo.running.all()) {
      const stateRow = repo.state.get(id);
      if (!stateRow) continue;
      const state = JSON.parse(stateRow.state) as ExecState;
      // A function call in flight when the process died is made again (at least
      // once), once the functions are deployed (releaseLaunches).
      walkRuns(state.root, (r) => {
        if (r.kind !== 'task' || r.outcome || !r.invoke) return;
        if (r.phase === 'invoking' || (r.phase === 'waiting' && !r.invokeAccepted)) {
          launchInvoke(id, r, r.invoke);
        }
      });
      kick(id);
    }
  }

  const coreForIntegrations = {
    queues: deps.queues,
    launchInvoke,
    createExecution,
    flowRow: (name: string) => repo.flow.get(name),
    newName: () => randomUUID(),
    completeTaskInPlace: recordOutcome,
  };

  return {
    repo,
    tokens,
    tokenExecution,
    limits,
    atomically,
    batched,
    transition,
    endExecution,
    completeTask,
    createExecution,
    recover,
    /** Launches the function calls held since the engine started; later ones go at once. */
    releaseLaunches(): void {
      const held = heldLaunches ?? [];
      heldLaunches = undefined;
      for (const launch of held) launch();
    },
    waitForEnd,
    listeners,
    setInvoker(fn: FunctionInvoker) {
      invoker = fn;
    },
    stop() {
      stopped = true;
      for (const cancel of armed.values()) cancel();
      armed.clear();
      for (const set of waiters.values()) for (const w of set) w();
    },
  };
}

/**
 * Sets a task attempt's outcome and records its Task* event (the host's emit marks
 * the transition changed). Returns the event's id.
 */
function recordOutcome(
  run: TaskRun,
  outcome: Outcome,
  host: InterpreterHost,
  timedOut = false,
): number {
  run.outcome = outcome;
  return host.emit({
    type: outcome.ok ? 'TaskSucceeded' : timedOut ? 'TaskTimedOut' : 'TaskFailed',
    stepName: run.name,
    scheduleEventId: run.scheduledId,
    detail: outcome.ok ? { output: outcome.local } : { error: outcome.error, cause: outcome.cause },
  });
}

/** The integrations' view of the core. */
export type IntegrationCore = {
  queues: FlowQueues;
  launchInvoke(execId: number, run: TaskRun, req: FunctionInvokeRequest): void;
  createExecution(
    p: { flow: FlowRow; name: string; input: JsonObject; callbackToken?: string | undefined },
    effects: Array<() => void>,
  ): { row: ExecRow; created: boolean };
  flowRow(name: string): FlowRow | undefined;
  newName(): string;
  completeTaskInPlace(run: TaskRun, outcome: Outcome, host: InterpreterHost): void;
};
