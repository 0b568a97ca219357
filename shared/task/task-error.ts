/**
 * The error a task handler throws to say how it failed. `code` becomes the
 * ReportTaskFailed `Error` (what FDL retry/catch match on); `retryable: true`
 * instead makes the message come back for another attempt.
 * @example throw new TaskError({ code: 'SourceMissing', message: 'no such file', retryable: false });
 */
export class TaskError extends Error {
  readonly code: string;
  readonly retryable: boolean;
  constructor(options: { code: string; message: string; retryable?: boolean; cause?: unknown }) {
    super(options.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TaskError';
    this.code = options.code;
    this.retryable = options.retryable ?? false;
  }
}

/** A queue message that is not a task message (no token, not JSON): it can never be reported. */
export class TaskMessageError extends Error {
  readonly code: 'InvalidTaskMessage' | 'MissingTaskToken';
  readonly retryable = false;
  constructor(code: 'InvalidTaskMessage' | 'MissingTaskToken', message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'TaskMessageError';
    this.code = code;
  }
}
