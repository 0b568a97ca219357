import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock';
import type { FlowCore } from './core';
import { environmentParam, executionMode, flowType } from './engine-params';
import { fnfErrors } from './errors';
import { intParam, optional, required } from './params';
import type { FlowRow } from './repo';
import type { RequestChecks } from './request-checks';
import type { ApiResult, FlowEngine } from './types';
import { flowView } from './views';

/**
 * The flow actions: CreateFlow, UpdateFlow, DescribeFlow, ListFlows and
 * DeleteFlow (which stops the flow's running executions in the same
 * transaction). Holds no state of its own.
 */
export function createFlowActions(deps: {
  core: Pick<FlowCore, 'repo' | 'atomically' | 'transition' | 'endExecution'>;
  clock: Clock;
  checks: Pick<RequestChecks, 'checkName' | 'flowOf' | 'checkDefinition'>;
}): Pick<FlowEngine, 'createFlow' | 'updateFlow' | 'describeFlow' | 'listFlows' | 'deleteFlow'> {
  const { core, clock } = deps;
  const { repo } = core;
  const { checkName, flowOf, checkDefinition } = deps.checks;

  return {
    createFlow(p) {
      const name = required(p, 'Name');
      checkName('Name', name);
      const definition = required(p, 'Definition');
      const type = flowType(p, 'FDL');
      const environment = environmentParam(p);
      checkDefinition(definition);
      const now = clock.now();
      const row: FlowRow = {
        name,
        id: randomUUID(),
        type,
        definition,
        description: optional(p, 'Description') ?? '',
        role_arn: optional(p, 'RoleArn') ?? '',
        execution_mode: executionMode(p),
        environment: environment ?? null,
        created_ms: now,
        modified_ms: now,
      };
      core.atomically(() => {
        if (repo.flow.get(name)) throw fnfErrors.flowAlreadyExists(name);
        repo.insertFlow.run(row);
      });
      return flowView(row);
    },
    updateFlow(p) {
      const current = flowOf(required(p, 'Name'));
      flowType(p, current.type);
      const environment = environmentParam(p);
      // ExecutionMode is not an UpdateFlow parameter: a flow keeps its mode.
      const mode = optional(p, 'ExecutionMode');
      if (mode !== undefined && mode !== '' && mode !== current.execution_mode) {
        throw fnfErrors.invalidArgument(
          `ExecutionMode cannot change: flow ${current.name} is ${current.execution_mode}; create a new flow for ${mode}`,
        );
      }
      const definition = optional(p, 'Definition') ?? current.definition;
      if (definition !== current.definition) checkDefinition(definition);
      const next: FlowRow = {
        ...current,
        definition,
        description: optional(p, 'Description') ?? current.description,
        role_arn: optional(p, 'RoleArn') ?? current.role_arn,
        environment: environment ?? current.environment,
        modified_ms: clock.now(),
      };
      repo.updateFlow.run(next);
      return flowView(next);
    },
    describeFlow(p) {
      return flowView(flowOf(required(p, 'Name')));
    },
    listFlows(p) {
      const limit = intParam(p, 'Limit', 60, 1, 1000);
      const rows = repo.flowsFrom.all(optional(p, 'NextToken') ?? '', limit + 1);
      const result: ApiResult = { Flows: rows.slice(0, limit).map(flowView) };
      if (rows.length > limit) result.NextToken = rows[limit]?.name;
      return result;
    },
    deleteFlow(p) {
      const name = required(p, 'Name');
      const flow = flowOf(name);
      // The cloud stops each running execution of a deleted flow once its
      // current step is done, and its history can no longer be read. Here they
      // stop at once, in the same transaction: the step in flight is not
      // finished (a late report gets TaskAlreadyCompleted, which workers count
      // as done), and no timer or callback of theirs is left behind.
      core.atomically(() => {
        for (const { id } of repo.runningOfFlow.all(flow.id)) {
          core.transition(id, (t, effects) => {
            if (!t.running) return;
            core.endExecution(
              t,
              { status: 'Stopped', error: 'FlowDeleted', cause: `flow ${name} was deleted` },
              effects,
            );
          });
        }
        repo.deleteFlow.run(name);
      });
      return {};
    },
  };
}
