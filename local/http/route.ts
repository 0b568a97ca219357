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
 */
export function readBody(req: IncomingMessage, limit = 8 * 1024 * 1024): Promise<Buffer> {
  const length = req.headers['content-length'];
  if (length === '0' || (length === undefined && req.headers['transfer-encoding'] === undefined)) {
    return Promise.resolve(EMPTY);
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.resume();
        reject(new BodyTooLargeError(limit));
        return;
      }
      chunks.push(chunk);
    });
    req.once('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
    req.once('error', reject);
  });
}

/** The request body exceeded the route's limit. */
export class BodyTooLargeError extends Error {
  override readonly name = 'BodyTooLargeError';
  constructor(readonly limit: number) {
    super(`request body exceeds ${limit} bytes`);
  }
}
