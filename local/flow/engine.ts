import { createPopRoute } from '../pop/route';
import { createPopVerifier } from '../pop/verify';
import type { StackContext } from '../stack';
import { createFlowCore, type FlowQueues } from './core';
import { createExecutionActions } from './execution-actions';
import { createFlowActions } from './flow-actions';
import { createListExecutions } from './list-executions';
import { createRequestChecks } from './request-checks';
import { createRetention } from './retention';
import { createTaskReports } from './task-reports';
import type { FlowEngine } from './types';

/** The FnF API version the engine serves. */
export const FNF_API_VERSION = '2019-03-15';

/**
 * Builds the local flow engine: durable interpreter, FnF POP API, in-process API.
 *
 * The actions live in their own files (flows, executions, ListExecutions, task
 * reports, retention); this assembles them with the core's lifecycle into the
 * FlowEngine and routes the POP actions to it.
 */
export function createFlowEngine(ctx: StackContext, deps: { queues: FlowQueues }): FlowEngine {
  const core = createFlowCore(ctx, deps);
  const { repo, limits } = core;
  const db = ctx.store.db;
  const checks = createRequestChecks({ repo, limits });

  const engine: FlowEngine = {
    name: 'flow',
    routes: [],
    ...createFlowActions({ core, clock: ctx.clock, checks }),
    ...createExecutionActions({ core, checks }),
    ...createListExecutions({ repo, db, checks }),
    ...createTaskReports({ core }),
    ...createRetention({ core }),
    setFunctionInvoker(fn) {
      core.setInvoker(fn);
    },
    onEvent(listener) {
      core.listeners.add(listener);
      return () => core.listeners.delete(listener);
    },
    start() {
      core.recover();
    },
    resume() {
      core.releaseLaunches();
    },
    stop() {
      core.stop();
    },
  };

  (engine as { routes: FlowEngine['routes'] }).routes = [
    createPopRoute({
      name: 'fnf',
      version: FNF_API_VERSION,
      hostId: `fnf.${ctx.region}.aliyuncs.com`,
      verifier: createPopVerifier({ secrets: ctx.secrets }),
      logger: ctx.logger.child('fnf'),
      actions: {
        CreateFlow: engine.createFlow,
        UpdateFlow: engine.updateFlow,
        DescribeFlow: engine.describeFlow,
        ListFlows: engine.listFlows,
        DeleteFlow: engine.deleteFlow,
        StartExecution: (p) => engine.startExecution(p),
        // The long polls end when their caller hangs up, not at their timeout.
        StartSyncExecution: (p, call) => engine.startSyncExecution(p, { signal: call.signal }),
        StopExecution: engine.stopExecution,
        DescribeExecution: (p, call) => engine.describeExecution(p, { signal: call.signal }),
        ListExecutions: engine.listExecutions,
        GetExecutionHistory: engine.getExecutionHistory,
        // Reports come in bursts (a worker's batch): group-committed.
        ReportTaskSucceeded: (p) => core.batched(() => engine.reportTaskSucceeded(p)),
        ReportTaskFailed: (p) => core.batched(() => engine.reportTaskFailed(p)),
      },
    }),
  ];
  return engine;
}
