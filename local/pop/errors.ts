/**
 * An error a POP RPC endpoint answers with: the cloud's `Code`, HTTP status and
 * message. Domain errors (FnF, ...) extend it so the route can map them.
 */
export class PopError extends Error {
  override name = 'PopError';
  readonly retryable: boolean;
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    options: { retryable?: boolean; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.retryable = options.retryable ?? status >= 500;
  }
}

/** The common POP errors every product answers with. */
export const popErrors = {
  missingParam: (name: string) =>
    new PopError('MissingRequiredParams', 400, `The HTTP query '${name}' must be specified.`),
  actionNotSupported: (action: string) =>
    new PopError(
      'ActionNotSupported',
      400,
      `The requested API operation '${action}' is incorrect. Please check.`,
    ),
  versionNotSupported: (version: string) =>
    new PopError(
      'APIVersionNotSupported',
      400,
      `The requested API version '${version}' is not supported yet. Please check.`,
    ),
  entityTooLarge: (limit: number) =>
    new PopError(
      'EntityTooLarge',
      400,
      `The payload size exceeds maximum allowed size (${limit} bytes).`,
    ),
  internal: (cause?: unknown) =>
    new PopError('InternalServerError', 500, 'An internal error has occurred. Please retry.', {
      cause,
    }),
};
