/**
 * Polls `check` until it returns a value (not undefined or false), failing
 * after `timeoutMs` with a message naming `what` ("timed out waiting until
 * <what>"), so say what is awaited: `eventually(() => seen > 0, 'the worker took a task')`.
 * The default deadline is 10 s: integration tests wait on real processes that a
 * loaded machine can hold up for seconds; passing tests return as soon as the
 * check holds, so only a failure takes that long.
 */
export async function eventually<T>(
  check: () => T | undefined | false | Promise<T | undefined | false>,
  what: string,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
