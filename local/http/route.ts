import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * One service mounted on the stack's single HTTP port. The server asks each
 * route in order whether it takes the request (by path, or by the POP
 * `x-acs-action` header / `Action` parameter) and hands it to the first that does.
 */
export interface HttpRoute {
  readonly name: string;
  matches(req: IncomingMessage, url: URL): boolean;
  handle(req: IncomingMessage, res: ServerResponse, url: URL): void | Promise<void>;
}

const EMPTY = Buffer.alloc(0);

/**
 * Reads the whole request body, refusing more than `limit` bytes. A body over the
 * limit is drained, not destroyed, so the route can still answer it. Requests that
 * declare no body (most MNS calls) skip the stream machinery entirely.
 *
 * Settles exactly once: with the body on 'end'; with RequestAbortedError when the
 * request closes or fails before its body ended, or was already gone when called
 * (a dead stream emits nothing more, so waiting on it would hang the route for good).
 * Plain 'data'/'end' listeners: the stream's async iterator costs ~10 µs more per
 * request, and a POP report or an MNS send is one chunk.
 */
export function readBody(req: IncomingMessage, limit = 8 * 1024 * 1024): Promise<Buffer> {
  const length = req.headers['content-length'];
  if (length === '0' || (length === undefined && req.headers['transfer-encoding'] === undefined)) {
    return Promise.resolve(EMPTY);
  }
  if (req.readableEnded) {
    return Promise.reject(new RequestAbortedError('the request body was already read'));
  }
  if (req.destroyed) {
    return Promise.reject(new RequestAbortedError('the request closed before its body ended'));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) {
        chunks.push(chunk);
        return;
      }
      settled = true;
      chunks.length = 0;
      // Keep reading to the end, unbuffered, so the answer still reaches the client.
      req.off('data', onData);
      req.resume();
      reject(new BodyTooLargeError(limit));
    };
    req.on('data', onData);
    // `on`, not `once`: each event comes at most once per request anyway, and
    // `settled` guards the rest; once would add a wrapper closure per listener.
    req.on('end', () => {
      if (settled) return;
      settled = true;
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
    });
    const abort = (cause?: unknown) => {
      if (settled) return;
      settled = true;
      chunks.length = 0;
      reject(new RequestAbortedError('the request closed before its body ended', cause));
    };
    // Node emits 'error' (ECONNRESET "aborted") only when someone listens; a
    // server-side destroy() without an error emits just 'close'.
    req.on('error', abort);
    req.on('close', abort);
  });
}

/** The request body exceeded the route's limit. */
export class BodyTooLargeError extends Error {
  override readonly name = 'BodyTooLargeError';
  readonly code = 'EntityTooLarge';
  readonly retryable = false;
  constructor(readonly limit: number) {
    super(`request body exceeds ${limit} bytes`);
  }
}

/**
 * The client went away (or the stream failed) before the body ended. There is
 * nobody left to answer, so routes just stop; retrying the same request may work.
 */
export class RequestAbortedError extends Error {
  override readonly name = 'RequestAbortedError';
  readonly code = 'RequestAborted';
  readonly retryable = true;
  constructor(message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
  }
}
