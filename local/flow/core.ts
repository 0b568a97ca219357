import { randomUUID } from 'node:crypto';
import type { JsonObject } from '../../shared/fdl/types';
import type { QueueService } from '../mns/types';
import type { StackContext } from '../stack';
import { createDefinitions } from './definitions';
import { createEndWaiters } from './end-waiters';
import { createExecutions } from './executions';
import { createHistoryWriter } from './history-writer';
import type { InterpreterHost } from './interpreter';
import { createInvocations } from './invocations';
import { CLOUD_LIMITS, type FlowLimits, RELAXED_LIMITS } from './limits';
import { createRecovery } from './recovery';
import { createRepo, type ExecRow, type FlowRow } from './repo';
import { FLOW_MIGRATIONS } from './schema';
import type { Outcome, TaskRun } from './state';
import { createTimers } from './timers';
import { createTokenExecutions } from './token-executions';
import { createTokenCodec } from './tokens';
import { createTransactions } from './transactions';
import { createTransitionHost } from './transition-host';
import { createTransitions, recordOutcome } from './transitions';
import type { FunctionInvokeRequest } from './types';

/** The queue operations the engine uses (the local MNS service provides them). */
export type FlowQueues = Pick<QueueService, 'sendMessage'>;

/** The engine's core (createFlowCore's result), of which the API modules take parts. */
export type FlowCore = ReturnType<typeof createFlowCore>;

/**
 * The durable core: every change to an execution is one SQLite transaction
 * (state + history + timers + outbox message); side effects that must not run
 * on a rolled-back transaction (arming timers, waking waiters, invoking
 * functions, telling listeners) run after it commits.
 *
 * This factory wires the parts together: definitions, transactions, timers,
 * the transition host, transitions, executions, function calls, the callback
 * inbox and recovery. Parts that call each other in a cycle (a timer fires a
 * transition, a transition arms a timer) are joined by closures that look the
 * other part up when called, never while wiring.
 */
export function createFlowCore(ctx: StackContext, deps: { queues: FlowQueues }) {
  const { store, clock, logger } = ctx;
  store.migrate('flow', FLOW_MIGRATIONS);
  const repo = createRepo(store);
  const { tokenExecution } = createTokenExecutions({ store, repo });
  const tokens = createTokenCodec(store);
  const limits: FlowLimits = ctx.relaxLimits ? RELAXED_LIMITS : CLOUD_LIMITS;
  const log = logger.child('flow');
  let stopped = false;
  const isStopped = () => stopped;

  const definitions = createDefinitions({ repo });
  const history = createHistoryWriter(store);
  const { atomically, batched, followOn } = createTransactions({ store, history, log });
  const waiters = createEndWaiters();
  const timers = createTimers({
    repo,
    clock,
    log,
    isStopped,
    transition: (execId, mutate) => transitions.transition(execId, mutate),
    endExecution: (t, ending, effects) => transitions.endExecution(t, ending, effects),
  });
  const coreForIntegrations: IntegrationCore = {
    queues: deps.queues,
    launchInvoke: (execId, run, req) => invocations.launchInvoke(execId, run, req),
    createExecution: (p, effects) => executions.createExecution(p, effects),
    flowRow: (name: string) => repo.flow.get(name),
    newName: () => randomUUID(),
    completeTaskInPlace: recordOutcome,
  };
  const host = createTransitionHost({
    clock,
    limits,
    history,
    tokens,
    armTimer: timers.armTimer,
    cancelTimer: timers.cancelTimer,
    integrations: coreForIntegrations,
  });
  const transitions = createTransitions({
    repo,
    clock,
    log,
    tokens,
    atomically,
    followOn,
    flowOfExecution: definitions.flowOfExecution,
    forgetExecution: definitions.forgetExecution,
    makeHost: host.makeHost,
    emitEvent: host.emitEvent,
    cancelTimer: timers.cancelTimer,
    tokenExecution,
    processInbox: (id) => recovery.processInbox(id),
    wakeWaiters: waiters.wake,
  });
  const { transition, endExecution, kick } = transitions;
  const invocations = createInvocations({ log, isStopped, transition });
  const executions = createExecutions({
    repo,
    clock,
    limits,
    tokens,
    parseDefinition: definitions.parseDefinition,
    definitionId: definitions.definitionId,
    emitEvent: host.emitEvent,
    armTimer: timers.armTimer,
    followOn,
    kick,
  });
  const recovery = createRecovery({
    repo,
    log,
    transition,
    armInMemory: timers.armInMemory,
    launchInvoke: invocations.launchInvoke,
    kick,
  });

  return {
    repo,
    tokens,
    tokenExecution,
    limits,
    atomically,
    batched,
    transition,
    endExecution,
    createExecution: executions.createExecution,
    recover: recovery.recover,
    releaseLaunches: invocations.releaseLaunches,
    waitForEnd: waiters.waitForEnd,
    listeners: host.listeners,
    setInvoker: invocations.setInvoker,
    stop() {
      stopped = true;
      timers.disarmAll();
      waiters.wakeAll();
    },
  };
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
