// validateFlow: the semantic checks of a typed Flow (names, gotos, reachability, step rules).
import {
  add,
  checkTimeout,
  DEFINITION_LIMITS,
  type DefinitionLimits,
  NAME_PATTERN,
  type Walk,
} from './check-context';
import { parseCondition } from './condition';
import { childPath, type FoundProblem, indexPath } from './problems';
import { FDL_VERSIONS, LIMITS, STEP_TYPES } from './schema';
import { didYouMean } from './suggest';
import type { Flow, Problem, Step } from './types';
import { checkIteration, checkMappings, checkWait } from './validate-data';
import { checkTask } from './validate-task';
import { listOf, walkSteps } from './walk';

export { CONTEXT_PATHS, MNS_NAME_PATTERN, NAME_PATTERN, TASK_ACTIONS } from './check-context';

/**
 * Checks the meaning of an already-typed Flow: names, gotos, resources and patterns, ranges,
 * mapping sources, conditions, waits. Problems carry paths but no line numbers.
 * @example validateFlow(flow).filter((p) => p.severity === 'error')
 */
export function validateFlow(flow: Flow): Problem[] {
  return checkFlow(flow).map(({ valueOffset: _unused, ...p }) => p);
}

/** validateFlow with the extras parseFlow needs: placeholder steps to skip, value offsets. */
export function checkFlow(
  flow: Flow,
  options: { skip?: WeakSet<object>; limits?: DefinitionLimits } = {},
): FoundProblem[] {
  const w: Walk = {
    problems: [],
    skip: options.skip,
    allNames: new Map(),
    limits: options.limits ?? DEFINITION_LIMITS,
  };
  if (!flow || typeof flow !== 'object') {
    add(w, 'error', 'invalid-type', 'expected a flow object', '');
    return w.problems;
  }
  try {
    collectNames(w, flow);
    if (!(FDL_VERSIONS as readonly string[]).includes(flow.version)) {
      add(
        w,
        'error',
        'invalid-value',
        `version must be one of ${FDL_VERSIONS.join(', ')}`,
        'version',
      );
    }
    if (flow.type !== 'flow') add(w, 'error', 'invalid-value', 'type must be "flow"', 'type');
    if (flow.name !== undefined && !NAME_PATTERN.test(flow.name)) {
      add(
        w,
        'error',
        'invalid-value',
        `flow name "${flow.name}" is not valid: use 1-128 letters, digits, "_" or "-", starting with a letter or "_"`,
        'name',
      );
    }
    checkTimeout(w, flow.timeoutSeconds, 'timeoutSeconds');
    checkMappings(w, flow.inputMappings, 'inputMappings', 'flow-input', false);
    checkMappings(w, flow.outputMappings, 'outputMappings', 'flow-output', false);
    if (!Array.isArray(flow.steps)) {
      add(w, 'error', 'required-field', '"steps" is required in the flow', 'steps');
    } else {
      checkSteps(w, flow.steps, 'steps', 0, true);
    }
  } catch (err) {
    // validateFlow takes typed flows, but JS callers can pass anything: report, never throw.
    add(
      w,
      'error',
      'invalid-type',
      `the flow object is malformed: ${err instanceof Error ? err.message : String(err)}`,
      '',
    );
  }
  return w.problems;
}

function collectNames(w: Walk, flow: Flow): void {
  walkSteps(flow, (step, path) => {
    if (typeof step.name !== 'string' || !step.name) return;
    const list = w.allNames.get(step.name) ?? [];
    list.push(path);
    w.allNames.set(step.name, list);
  });
}

function checkSteps(
  w: Walk,
  steps: readonly Step[],
  path: string,
  depth: number,
  mustHaveSteps: boolean,
): void {
  if (steps.length === 0 && mustHaveSteps) {
    add(w, 'error', 'empty-list', 'a steps list needs at least one step', path);
    return;
  }
  if (depth === LIMITS.nestingWarnDepth + 1) {
    add(
      w,
      'warning',
      'nesting-depth',
      `steps are nested ${depth} levels deep; consider a child flow (acs:fnf:::flow/<name>) to keep the history small`,
      path,
    );
  }
  const siblings = new Map<string, number>();
  steps.forEach((step, i) => {
    const p = indexPath(path, i);
    if (!step || typeof step !== 'object') {
      add(w, 'error', 'invalid-type', 'expected a step', p);
      return;
    }
    if (w.skip?.has(step)) {
      if (step.name && !siblings.has(step.name)) siblings.set(step.name, i);
      return;
    }
    const namePath = childPath(p, 'name');
    if (typeof step.name !== 'string' || step.name === '') {
      add(w, 'error', 'required-field', '"name" is required in a step', namePath);
    } else {
      if (step.name.length > LIMITS.nameMaxLength) {
        add(
          w,
          'error',
          'out-of-range',
          `step names are at most ${LIMITS.nameMaxLength} characters`,
          namePath,
        );
      } else if (!NAME_PATTERN.test(step.name)) {
        add(
          w,
          'warning',
          'step-name',
          `step name "${step.name}" has characters other than letters, digits, "_" and "-"; the service documents that rule for flow names and it is safest for steps too`,
          namePath,
        );
      }
      const first = siblings.get(step.name);
      if (first !== undefined) {
        add(
          w,
          'error',
          'duplicate-step-name',
          `step name "${step.name}" is already used by ${indexPath(path, first)}; names must be unique among siblings because goto finds steps by name`,
          namePath,
        );
      } else {
        siblings.set(step.name, i);
      }
    }
    checkStep(w, step, p, depth);
  });
  checkGotos(w, steps, path, siblings);
  checkReachability(w, steps, path, siblings);
}

function gotosOf(step: Step, path: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  if (step.type === 'choice') {
    listOf(step.choices).forEach((c, i) => {
      if (c && typeof c.goto === 'string') out.push([c.goto, `${path}.choices[${i}].goto`]);
    });
    if (step.default && typeof step.default.goto === 'string') {
      out.push([step.default.goto, `${path}.default.goto`]);
    }
  } else if (step.type === 'task') {
    listOf(step.catch).forEach((c, i) => {
      if (c && typeof c.goto === 'string') out.push([c.goto, `${path}.catch[${i}].goto`]);
    });
  }
  return out;
}

function checkGotos(
  w: Walk,
  steps: readonly Step[],
  path: string,
  siblings: Map<string, number>,
): void {
  steps.forEach((step, i) => {
    if (!step || typeof step !== 'object' || w.skip?.has(step)) return;
    for (const [target, gotoPath] of gotosOf(step, indexPath(path, i))) {
      if (siblings.has(target)) continue;
      const names = [...siblings.keys()];
      const elsewhere = w.allNames.get(target);
      if (target === '') {
        add(
          w,
          'error',
          'goto-target',
          `goto needs a step name; valid targets: ${names.join(', ')}`,
          gotoPath,
        );
      } else if (elsewhere) {
        add(
          w,
          'error',
          'goto-not-sibling',
          `goto "${target}" leaves its steps list (it is at ${elsewhere[0]}); goto can only target a step in the same list: ${names.join(', ')}`,
          gotoPath,
        );
      } else {
        add(
          w,
          'error',
          'goto-target',
          `goto "${target}" names no step in this list.${didYouMean(target, names)} Valid targets: ${names.join(', ')}`,
          gotoPath,
        );
      }
    }
  });
}

/** Warns about steps that neither the order of the list nor any goto can reach. */
function checkReachability(
  w: Walk,
  steps: readonly Step[],
  path: string,
  siblings: Map<string, number>,
): void {
  const reachable = new Set<number>();
  const queue = [0];
  while (queue.length > 0) {
    const i = queue.pop()!;
    if (i >= steps.length || reachable.has(i)) continue;
    reachable.add(i);
    const step = steps[i];
    if (!step || typeof step !== 'object') continue;
    for (const [target] of gotosOf(step, '')) {
      const j = siblings.get(target);
      if (j !== undefined) queue.push(j);
    }
    if (!endsSequence(step)) queue.push(i + 1);
  }
  steps.forEach((step, i) => {
    if (reachable.has(i) || !step || typeof step !== 'object' || w.skip?.has(step)) return;
    add(
      w,
      'warning',
      'unreachable-step',
      `step "${step.name}" can never run: the step before it ends the list and no goto targets it`,
      indexPath(path, i),
    );
  });
}

function endsSequence(step: Step): boolean {
  if (step.type === 'succeed' || step.type === 'fail') return true;
  if ('end' in step && step.end === true) return true;
  if (step.type === 'choice') {
    const all = listOf(step.choices).every((c) => c && typeof c.goto === 'string');
    return all && typeof step.default?.goto === 'string';
  }
  return false;
}

function checkStep(w: Walk, step: Step, path: string, depth: number): void {
  if (!(STEP_TYPES as readonly string[]).includes(step.type)) {
    add(
      w,
      'error',
      'invalid-value',
      `unknown step type "${String(step.type)}"; expected one of ${STEP_TYPES.join(', ')}`,
      childPath(path, 'type'),
    );
    return;
  }
  const isTask = step.type === 'task';
  checkMappings(w, step.inputMappings, childPath(path, 'inputMappings'), 'step-input', isTask);
  checkMappings(w, step.outputMappings, childPath(path, 'outputMappings'), 'step-output', false);
  switch (step.type) {
    case 'task':
      checkTask(w, step, path);
      break;
    case 'choice':
      if (!Array.isArray(step.choices) || step.choices.length === 0) {
        add(
          w,
          'error',
          'empty-list',
          'a choice step needs at least one entry in choices',
          childPath(path, 'choices'),
        );
      }
      listOf(step.choices).forEach((c, i) => {
        const cp = `${path}.choices[${i}]`;
        if (!c || typeof c !== 'object') return;
        const condPath = childPath(cp, 'condition');
        if (typeof c.condition !== 'string' || c.condition.trim() === '') {
          add(
            w,
            'error',
            'required-field',
            '"condition" is required in a choice, e.g. $.status == "ready"',
            condPath,
          );
        } else {
          const parsed = parseCondition(c.condition);
          if (!parsed.ok) {
            add(
              w,
              'error',
              'condition-syntax',
              `invalid condition: ${parsed.message} (at character ${parsed.offset + 1})`,
              condPath,
              parsed.offset,
            );
          }
        }
        if (Array.isArray(c.steps))
          checkSteps(w, c.steps, childPath(cp, 'steps'), depth + 1, false);
      });
      if (Array.isArray(step.default?.steps)) {
        checkSteps(w, step.default.steps, `${path}.default.steps`, depth + 1, false);
      }
      break;
    case 'parallel': {
      const branches = listOf(step.branches);
      if (branches.length === 0) {
        add(
          w,
          'error',
          'empty-list',
          'a parallel step needs at least one branch',
          childPath(path, 'branches'),
        );
      } else if (branches.length > w.limits.parallelBranches) {
        add(
          w,
          'error',
          'out-of-range',
          `a parallel step has at most ${w.limits.parallelBranches} branches, got ${branches.length}`,
          childPath(path, 'branches'),
        );
      }
      branches.forEach((b, i) => {
        checkSteps(w, listOf(b?.steps), `${path}.branches[${i}].steps`, depth + 1, true);
      });
      break;
    }
    case 'foreach':
      checkIteration(w, step.iterationMapping, childPath(path, 'iterationMapping'));
      checkSteps(w, listOf(step.steps), childPath(path, 'steps'), depth + 1, true);
      break;
    case 'wait':
      checkWait(w, step.duration, step.timestamp, path);
      break;
    case 'fail':
      if (
        step.error !== undefined &&
        (step.error.length === 0 || step.error.length > LIMITS.errorNameMaxLength)
      ) {
        add(
          w,
          'error',
          'out-of-range',
          `error is 1-${LIMITS.errorNameMaxLength} characters`,
          childPath(path, 'error'),
        );
      }
      if (step.cause !== undefined && step.cause.length > LIMITS.causeMaxLength) {
        add(
          w,
          'error',
          'out-of-range',
          `cause is at most ${LIMITS.causeMaxLength} characters`,
          childPath(path, 'cause'),
        );
      }
      break;
    default:
      break;
  }
}
