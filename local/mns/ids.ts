import * as crypto from 'node:crypto';
import { createHash, randomBytes } from 'node:crypto';
import { randomHex } from '../ids';

/**
 * Message ids in the cloud's shape (`5F290C926D472878-1-14D9529A8FA-200000001`):
 * a random per-process prefix, so ids stay unique across restarts, then the
 * enqueue time and a counter.
 */
export function createMessageIdFactory(): (nowMs: number) => string {
  const prefix = randomBytes(8).toString('hex').toUpperCase();
  let counter = 0;
  return (nowMs) => {
    counter = (counter + 1) % 0x1_0000_0000;
    return `${prefix}-1-${nowMs.toString(16).toUpperCase()}-${counter.toString(16).toUpperCase().padStart(9, '0')}`;
  };
}

/**
 * Receipt handles: `<seq base36>-<random hex>`. Only `[0-9a-z-]`, because the
 * Node SDK puts handles in the query string unencoded (@alicloud/mns 1.2.0
 * lib/client.js); the seq part
 * makes the lookup a primary-key read, the random part makes each receive's
 * handle new and unguessable from the previous one. A claim bound to this
 * process (ReceiveOptions.processBound) has `p` in place of the first hex digit,
 * which no other handle has: the store tells its rows by that alone.
 */
export function newReceiptHandle(seq: number, processBound = false): string {
  const random = randomHex(8);
  return `${seq.toString(36)}-${processBound ? `p${random.slice(1)}` : random}`;
}

/** A GLOB matching the stored receipt of a process-bound claim, and no other. */
export const PROCESS_BOUND_RECEIPT_GLOB = '*-p*';

/** The message seq a handle names, or undefined when the handle is malformed. */
export function parseReceiptHandle(handle: string): number | undefined {
  const m = /^([0-9a-z]{1,12})-(?:p[0-9a-f]{15}|[0-9a-f]{16})$/.exec(handle);
  if (!m) return undefined;
  const seq = Number.parseInt(m[1]!, 36);
  return Number.isSafeInteger(seq) && seq > 0 ? seq : undefined;
}

/** MessageBodyMD5: upper-case hex MD5 of the body text as stored. */
export function bodyMD5(body: string): string {
  return md5Hex(body).toUpperCase();
}

// crypto.hash (Node >= 20.12) is a one-shot digest, about twice as fast as
// createHash for small inputs; older Node 20 releases fall back.
const oneShot = (crypto as { hash?: typeof crypto.hash }).hash;

/** Lower-case hex MD5 of `data` (strings as UTF-8). */
export function md5Hex(data: string | Buffer): string {
  return oneShot ? oneShot('md5', data, 'hex') : createHash('md5').update(data).digest('hex');
}
