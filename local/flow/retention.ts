import type { FlowCore } from './core';
import { PRUNE_EVENT_BUDGET, PRUNE_EXECUTION_BUDGET } from './limits';
import type { FlowEngine } from './types';

/**
 * Retention: `pruneEnded` deletes ended executions with their history in
 * bounded calls, carrying a history too long for one call over the next
 * ones (`flow_prune_pending`), and definitions no execution uses any more.
 * Holds no state of its own.
 */
export function createRetention(deps: {
  core: Pick<FlowCore, 'repo' | 'atomically'>;
}): Pick<FlowEngine, 'pruneEnded'> {
  const { core } = deps;
  const { repo } = core;

  return {
    pruneEnded(beforeMs, max = PRUNE_EXECUTION_BUDGET, maxEvents = PRUNE_EVENT_BUDGET) {
      return core.atomically(() => {
        let executions = 0;
        let rows = 0;
        // First the histories of executions already pruned that one call could
        // not delete whole.
        for (const { exec_id: id } of repo.prunePending.all()) {
          if (rows >= maxEvents) return { executions, historyRows: rows };
          const deleted = repo.deleteFirstEvents.run({ id, n: maxEvents - rows }).changes;
          rows += deleted;
          if (repo.eventSpan.get(id)?.first == null) repo.donePrunePending.run(id);
        }
        const definitions = new Set<number>();
        for (const row of repo.endedBefore.all(beforeMs, max)) {
          if (rows >= maxEvents) break;
          const span = repo.eventSpan.get(row.id);
          const size = span?.first == null ? 0 : (span.last ?? 0) - span.first + 1;
          // A history is deleted whole, with its execution, or not touched:
          // one that does not fit what is left of this call waits for the next.
          if (size > maxEvents - rows && executions > 0) break;
          repo.deleteExec.run(row.id);
          if (row.definition_id !== null) definitions.add(row.definition_id);
          executions++;
          if (size > maxEvents - rows) {
            // Longer than a whole call (a relaxed stack's history has no cap):
            // the execution is gone now, its events go over the next calls.
            rows += repo.deleteFirstEvents.run({ id: row.id, n: maxEvents - rows }).changes;
            repo.addPrunePending.run(row.id);
            break;
          }
          rows += repo.deleteEvents.run(row.id).changes;
        }
        // A definition no execution points at any more goes too (one in use
        // again later is stored again).
        for (const id of definitions) repo.deleteDefinitionIfUnused.run({ id });
        return { executions, historyRows: rows };
      });
    },
  };
}
