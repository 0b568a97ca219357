import { randomBytes } from 'node:crypto';

/** A request id in the cloud's style: 24 upper-case hex characters. */
export function newRequestId(): string {
  return randomBytes(12).toString('hex').toUpperCase();
}

/** A URL-safe random token of `bytes` bytes (hex). */
export function randomHex(bytes: number): string {
  return randomBytes(bytes).toString('hex');
}

/**
 * Request ids in the cloud's style (24 upper-case hex characters) for a route
 * that answers many: a random prefix (unique across restarts) and a counter,
 * so a request costs no getrandom call.
 */
export function createRequestIdFactory(): () => string {
  const prefix = randomBytes(6).toString('hex').toUpperCase();
  let counter = 0;
  return () => {
    counter = (counter + 1) % 0x1_0000_0000_0000;
    return `${prefix}${counter.toString(16).toUpperCase().padStart(12, '0')}`;
  };
}
