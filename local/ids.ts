import { randomBytes } from 'node:crypto';

/** A request id in the cloud's style: 24 upper-case hex characters. */
export function newRequestId(): string {
  return randomBytes(12).toString('hex').toUpperCase();
}

/** A URL-safe random token of `bytes` bytes (hex). */
export function randomHex(bytes: number): string {
  return randomBytes(bytes).toString('hex');
}
