import type { ChoiceBranch, Flow, ParallelBranch, Step } from './types';

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
    const p = `${path}[${i}]`;
    visit(step, p, depth);
    switch (step.type) {
      case 'choice':
        (step.choices ?? []).forEach((c: ChoiceBranch, j: number) => {
          walkList(c.steps, `${p}.choices[${j}].steps`, depth + 1, visit);
        });
        walkList(step.default?.steps, `${p}.default.steps`, depth + 1, visit);
        break;
      case 'parallel':
        (step.branches ?? []).forEach((b: ParallelBranch, j: number) => {
          walkList(b.steps, `${p}.branches[${j}].steps`, depth + 1, visit);
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
