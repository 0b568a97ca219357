/**
 * Calls `fn` until it answers, through errors (a stack being restarted answers
 * with connection errors); `accept` turns an error into an answer (say,
 * ExecutionAlreadyExists for a start that went through before a crash). Gives up
 * after `deadlineMs` with an error naming `what`.
 */
export async function retrying<T>(
  what: string,
  fn: () => Promise<T>,
  accept: (err: { code?: string }) => T | undefined = () => undefined,
  options: { deadlineMs?: number; pauseMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + (options.deadlineMs ?? 30_000);
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      const ok = accept(err as { code?: string });
      if (ok !== undefined) return ok;
      if (Date.now() > deadline) throw new Error(`${what}: ${(err as Error).message}`);
      await new Promise((r) => setTimeout(r, options.pauseMs ?? 50));
    }
  }
}
