// What the flaky fixture (fixtures/index.js) logs per delivery, read back from
// the runtime stack's log lines.

/** One delivery of one message: its retry count, (virtual) push time and body. */
export interface Attempt {
  retryCount: number;
  at: number;
  body: string;
}

/** The fixture's deliveries, in log order. */
export function attempts(logs: readonly string[]): Attempt[] {
  return logs
    .map((l) => /ATTEMPT (.*)$/.exec(l)?.[1])
    .filter((x): x is string => x !== undefined)
    .map((x) => JSON.parse(x) as Attempt);
}
