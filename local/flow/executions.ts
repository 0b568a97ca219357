import { applyMappings } from '../../shared/fdl/mappings';
import type { Flow, JsonObject } from '../../shared/fdl/types';
import type { Clock } from '../clock';
import { fnfErrors } from './errors';
import { initialState } from './interpreter';
import type { FlowLimits } from './limits';
import type { ExecRow, FlowRow, Repo } from './repo';
import type { TokenCodec } from './tokens';
import type { createTransitionHost } from './transition-host';

/**
 * Starting executions: the execution row, its ExecutionStarted event, its flow
 * or Express timeout and its first drive, idempotent by name while running
 * (a sync child-flow task joins a running child). Holds no state of its own.
 */
export function createExecutions(deps: {
  repo: Repo;
  clock: Clock;
  limits: FlowLimits;
  tokens: TokenCodec;
  parseDefinition(text: string): Flow;
  definitionId(text: string): number;
  emitEvent: ReturnType<typeof createTransitionHost>['emitEvent'];
  armTimer(execId: number, key: string, atMs: number, effects: Array<() => void>): void;
  followOn(fn: () => void): void;
  kick(execId: number): void;
}) {
  const { repo, clock, limits, tokens, parseDefinition, definitionId } = deps;
  const { emitEvent, armTimer, followOn, kick } = deps;

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
    effects.push(() => followOn(() => kick(id)));
    return { row, created: true };
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

  return { createExecution };
}
