import type { Store } from '../store/store';
import type { Repo } from './repo';
import type { TaskTokenParts } from './tokens';

/**
 * Which execution a task token names: v2 tokens by row id, v1 tokens by name,
 * only for the executions that existed when v2 arrived in the data folder.
 * Create it after the flow migrations have run.
 */
export function createTokenExecutions(deps: { store: Store; repo: Repo }) {
  const { store, repo } = deps;
  // The newest execution a v1 token may name (see migration 003).
  const v1TokenMaxExec = Number(
    store.db.prepare("SELECT value FROM flow_meta WHERE key = 'v1-token-max-exec'").pluck().get() ??
      0,
  );

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

  return { tokenExecution };
}
