import { createHash } from 'node:crypto';
import { parseFlowDocument } from '../../shared/fdl/parse';
import type { Flow } from '../../shared/fdl/types';
import { FlowFailure } from './errors';
import { definitionLimits, RELAXED_LIMITS } from './limits';
import type { Repo } from './repo';

/**
 * Flow definitions at run time: the parsed definition each running execution
 * runs (cached by execution and by text) and the `flow_definitions` row that
 * keeps each distinct text once. Owns both caches.
 */
export function createDefinitions(deps: { repo: Repo }) {
  const { repo } = deps;
  const flowCache = new Map<string, Flow>();

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

  return {
    flowOfExecution,
    parseDefinition,
    definitionId,
    /** Drops an ended execution's parsed definition. */
    forgetExecution(execId: number): void {
      byExecution.delete(execId);
    },
  };
}
