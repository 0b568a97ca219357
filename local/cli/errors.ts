/**
 * One line (or a few) for an error that reached the top of a command: what
 * went wrong, without a stack trace, a signed request URL or an object shown
 * as [object Object].
 */

const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENOTFOUND']);

/** What to do when no local stack answers: the lines every command prints. */
export const START_STACK_HINT = [
  'Start a local stack in another terminal with `npm start` or `npx queueflow local`,',
  'or point at a running one with --endpoint <url> or QUEUEFLOW_ENDPOINT.',
];

/** A URL's query is cut: the SDKs put AccessKeyId, nonce and signature there. */
export function withoutQueries(text: string): string {
  return text.replace(/(https?:\/\/[^\s?]+)\?[^\s,]*/g, '$1');
}

/** Codes an SDK puts on a failure of its own transport, whose text names the cause. */
const TRANSPORT_WRAPPERS = new Set(['NetworkError']);

const CONNECTION_CODE_IN_TEXT = new RegExp(`\\b(${[...CONNECTION_CODES].join('|')})\\b`);

/**
 * The connection error code (ECONNREFUSED...) when `err` says nothing answered:
 * its own code, a cause's, or one in its text (`text`, by default its message:
 * the MNS SDK's NetworkError carries the code only there). A service's own
 * coded error (FlowNotExists, ...) answered, so its text, which may name
 * anything (a flow called "dns-ENOTFOUND"), is not searched.
 */
export function connectionCode(err: unknown, text?: string): string | undefined {
  let coded = false;
  for (let e = err, depth = 0; e && typeof e === 'object' && depth < 5; depth++) {
    const { code, cause } = e as { code?: unknown; cause?: unknown };
    if (typeof code === 'string' && CONNECTION_CODES.has(code)) return code;
    if (typeof code === 'string' && code && !TRANSPORT_WRAPPERS.has(code)) coded = true;
    e = cause;
  }
  if (coded) return undefined;
  const message = text ?? (err as { message?: unknown } | undefined)?.message;
  return typeof message === 'string' ? CONNECTION_CODE_IN_TEXT.exec(message)?.[1] : undefined;
}

/**
 * The text to print for `err` (the SDKs reject with non-Error objects too).
 * `stackHint: false` leaves out how to start a local stack (a command talking
 * to the cloud).
 */
export function formatCliError(err: unknown, options: { stackHint?: boolean } = {}): string {
  const e = (err ?? {}) as { message?: unknown; code?: unknown; name?: unknown };
  let message: string;
  if (err instanceof Error) message = err.message;
  else if (typeof e.message === 'string') message = e.message;
  else if (typeof err === 'string') message = err;
  else {
    try {
      message = JSON.stringify(err) ?? String(err);
    } catch {
      message = Object.prototype.toString.call(err);
    }
  }
  const code = connectionCode(err, message);
  // httpx glues "connect ECONNREFUSED 127.0.0.1:1" and "POST http://... failed." together.
  message = withoutQueries(message).replace(/(\d)(GET|POST|PUT|DELETE) (https?:)/, '$1; $2 $3');
  if (code) {
    return [
      `nothing answers at the endpoint (${code}): ${message}`,
      ...(options.stackHint === false ? [] : START_STACK_HINT),
    ].join('\n');
  }
  // pop-core rejects with the service's Code and "<Message>, URL: <request url>":
  // the code is what to search the docs for, the URL is only the endpoint again.
  const popCore = /^([\s\S]*), URL: https?:\/\/\S*$/.exec(message);
  if (popCore && typeof e.code === 'string' && e.code) return `${e.code}: ${popCore[1]}`;
  return message;
}
