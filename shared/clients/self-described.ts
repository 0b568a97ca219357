/**
 * An Error that carries its own string `code` and boolean `retryable`
 * (queueflow's errors: CredentialsUnavailableError, TaskError, FlowError...),
 * as the fields the client error types take; undefined for anything else.
 */
export function selfDescribed(
  err: unknown,
): { code: string; message: string; retryable: boolean } | undefined {
  if (!(err instanceof Error)) return undefined;
  const { code, retryable } = err as Error & { code?: unknown; retryable?: unknown };
  if (typeof code !== 'string' || typeof retryable !== 'boolean') return undefined;
  return { code, message: err.message, retryable };
}
