import type { ChoiceBranch, Flow, ParallelBranch, Step } from './types';

/** The value when it is an array, else an empty list (typed flows from JS may be malformed). */
export function listOf<T>(value: readonly T[] | undefined | null): readonly T[] {
  return Array.isArray(value) ? value : [];
}

/**
 * Visits every step of a flow, depth first in document order, with its path
 * (`steps[1].branches[0].steps[2]`) and its nesting depth (0 for top-level steps).
 * @example walkSteps(flow, (step, path) => console.log(path, step.name))
 */
export function walkSteps(
  flow: Pick<Flow, 'steps'>,
  visit: (step: Step, path: string, depth: number) => void,
): void {
  walkList(flow.steps, 'steps', 0, visit);
}

function walkList(
  steps: readonly Step[] | undefined,
  path: string,
  depth: number,
  visit: (step: Step, path: string, depth: number) => void,
): void {
  if (!Array.isArray(steps)) return;
  steps.forEach((step, i) => {
    // Untyped callers may hand in holes or scalars; those are not steps.
    if (!step || typeof step !== 'object') return;
    const p = `${path}[${i}]`;
    visit(step, p, depth);
    switch (step.type) {
      case 'choice':
        listOf<ChoiceBranch>(step.choices).forEach((c, j) => {
          walkList(c?.steps, `${p}.choices[${j}].steps`, depth + 1, visit);
        });
        walkList(step.default?.steps, `${p}.default.steps`, depth + 1, visit);
        break;
      case 'parallel':
        listOf<ParallelBranch>(step.branches).forEach((b, j) => {
          walkList(b?.steps, `${p}.branches[${j}].steps`, depth + 1, visit);
        });
        break;
      case 'foreach':
        walkList(step.steps, `${p}.steps`, depth + 1, visit);
        break;
      default:
        break;
    }
  });
}
