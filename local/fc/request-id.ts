import { randomHex } from '../ids';

/**
 * An FC 3.0 style request id, `1-<unix seconds hex>-<8 hex>-<12 hex>`, as the ids
 * the real service hands out look (the second part is the time).
 */
export function newFcRequestId(nowMs: number = Date.now()): string {
  const seconds = Math.floor(nowMs / 1000)
    .toString(16)
    .padStart(8, '0');
  const rand = randomHex(10);
  return `1-${seconds}-${rand.slice(0, 8)}-${rand.slice(8, 20)}`;
}
