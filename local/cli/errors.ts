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

/** The text to print for `err` (the SDKs reject with non-Error objects too). */
export function formatCliError(err: unknown): string {
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
  const code =
    typeof e.code === 'string'
      ? e.code
      : (/\b(ECONNREFUSED|ECONNRESET|EHOSTUNREACH|ENOTFOUND)\b/.exec(message)?.[1] ?? '');
  // httpx glues "connect ECONNREFUSED 127.0.0.1:1" and "POST http://... failed." together.
  message = withoutQueries(message).replace(/(\d)(GET|POST|PUT|DELETE) (https?:)/, '$1; $2 $3');
  if (CONNECTION_CODES.has(code)) {
    return [`nothing answers at the endpoint (${code}): ${message}`, ...START_STACK_HINT].join(
      '\n',
    );
  }
  // pop-core rejects with the service's Code and "<Message>, URL: <request url>":
  // the code is what to search the docs for, the URL is only the endpoint again.
  const popCore = /^([\s\S]*), URL: https?:\/\/\S*$/.exec(message);
  if (popCore && typeof e.code === 'string' && e.code) return `${e.code}: ${popCore[1]}`;
  return message;
}
