import { PopError } from '../pop/errors';

/**
 * An FnF API error: the cloud's code and HTTP status, as the per-action error tables of FnF's
 * 2019-03-15 API metadata give them (read in a public copy of that metadata).
 */
export class FnfError extends PopError {
  override name = 'FnfError';
}

/** The FnF API errors the engine answers with. */
export const fnfErrors = {
  flowNotExists: (name: string) =>
    new FnfError('FlowNotExists', 404, `Flow  ${name} does not exist.`),
  flowAlreadyExists: (name: string) =>
    new FnfError('FlowAlreadyExists', 409, `Flow ${name} already exists.`),
  executionNotExists: (exec: string, flow: string) =>
    new FnfError('ExecutionNotExists', 404, `Execution ${exec} for flow ${flow} does not exist.`),
  executionAlreadyExists: (exec: string, flow: string) =>
    new FnfError(
      'ExecutionAlreadyExists',
      400,
      `Execution ${exec} for flow ${flow} already exists.`,
    ),
  executionAlreadyCompleted: (exec: string, flow: string) =>
    new FnfError(
      'ExecutionAlreadyCompleted',
      400,
      `Execution '${exec}' for flow '${flow}' has already completed.`,
    ),
  taskAlreadyCompleted: (what: string) =>
    new FnfError('TaskAlreadyCompleted', 400, `Task ${what} has already completed.`),
  invalidArgument: (message: string) => new FnfError('InvalidArgument', 400, message),
  actionNotSupported: (message: string) => new FnfError('ActionNotSupported', 400, message),
  /** StartExecution, and so a child-flow task, starts Standard flows only. */
  expressNotStartable: (flow: string, how: string) =>
    new FnfError(
      'ActionNotSupported',
      400,
      `Express execution is not supported: flow ${flow} is an Express flow; ${how}`,
    ),
  missingParam: (name: string) =>
    new FnfError('MissingRequiredParams', 400, `The HTTP query '${name}' must be specified.`),
};

/**
 * An error inside a running flow (a task error, a `fail` step, a runtime
 * problem): what retry and catch match on, and what ExecutionFailed records.
 */
export class FlowFailure extends Error {
  override name = 'FlowFailure';
  constructor(
    readonly error: string,
    readonly detail: string,
  ) {
    super(`${error}: ${detail}`);
  }
}
