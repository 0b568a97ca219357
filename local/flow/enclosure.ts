// What encloses what in an execution's history: the engine's step-state read
// model and the console's model both cancel the steps still open under a step,
// branch or iteration that ended first.

/** Step types whose instances enclose others (through branches, iterations, choices). */
export const CONTAINER_STEP_TYPES: ReadonlySet<string> = new Set(['parallel', 'foreach', 'choice']);

/**
 * Step, branch and iteration instances (by EventId) to what encloses them: a
 * StepEntered's `parentEventId`, and the step a BranchEntered/IterationEntered
 * names (its ScheduleEventId).
 */
export function createEnclosure() {
  const parentOf = new Map<number, number>();
  return {
    /** `id` is directly inside `parent`. */
    enclose(id: number, parent: number): void {
      parentOf.set(id, parent);
    },
    /** Whether `id` is (at any depth) inside `ancestor`. */
    within(id: number, ancestor: number): boolean {
      for (let at = parentOf.get(id); at !== undefined; at = parentOf.get(at)) {
        if (at === ancestor) return true;
      }
      return false;
    },
  };
}
