/** Stable codes of errors thrown by the FDL helpers (parse problems are returned, not thrown). */
export type FdlErrorCode = 'invalid-path' | 'invalid-condition' | 'invalid-flow';

/** The one error class of shared/fdl: thrown only for programming errors such as an invalid path. */
export class FdlError extends Error {
  override readonly name = 'FdlError';
  readonly code: FdlErrorCode;
  readonly retryable = false;

  constructor(code: FdlErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
