import { parseFlow } from '../../shared/fdl/parse';
import { fnfErrors } from './errors';
import { definitionLimits, type FlowLimits, isValidName, jsonBytes } from './limits';
import { jsonObjectParam, required } from './params';
import type { ExecRow, FlowRow, Repo } from './repo';
import type { ApiParams } from './types';

/**
 * What the API actions check a request against before they act: names against
 * the name rule, the flow and execution it names against the store, a
 * definition against the FDL parser, an execution's Input against the step
 * data limit. Holds no state of its own.
 */
export function createRequestChecks(deps: { repo: Repo; limits: FlowLimits }) {
  const { repo, limits } = deps;

  const checkName = (kind: string, name: string) => {
    if (limits.names && !isValidName(name)) {
      throw fnfErrors.invalidArgument(
        `${kind} "${name}" is invalid: use letters, digits, _ and -, start with a letter or _, 1-128 characters`,
      );
    }
  };

  const flowOf = (name: string): FlowRow => {
    const f = repo.flow.get(name);
    if (!f) throw fnfErrors.flowNotExists(name);
    return f;
  };

  const execOf = (p: ApiParams): ExecRow => {
    const flow = flowOf(required(p, 'FlowName'));
    const name = required(p, 'ExecutionName');
    const e = repo.execByName.get(flow.id, name);
    if (!e) throw fnfErrors.executionNotExists(name, flow.name);
    return e;
  };

  const checkDefinition = (definition: string) => {
    const { problems } = parseFlow(definition, { limits: definitionLimits(limits) });
    const errors = problems.filter((x) => x.severity === 'error');
    if (errors.length > 0) {
      const text = errors
        .map(
          (x) =>
            `${x.line !== undefined ? `line ${x.line}:${x.column ?? 1} ` : ''}${x.path || '(root)'}: ${x.message}`,
        )
        .join('; ');
      throw fnfErrors.invalidArgument(`The flow definition is invalid: ${text}`);
    }
  };

  /** An execution's Input: a JSON object within the step data limit. */
  const executionInput = (p: ApiParams) => {
    const input = jsonObjectParam(p, 'Input', {});
    if (jsonBytes(input) > limits.stepDataBytes) {
      throw fnfErrors.invalidArgument(`Input exceeds ${limits.stepDataBytes} bytes`);
    }
    return input;
  };

  return { checkName, flowOf, execOf, checkDefinition, executionInput };
}

/** The checks `createRequestChecks` builds. */
export type RequestChecks = ReturnType<typeof createRequestChecks>;
