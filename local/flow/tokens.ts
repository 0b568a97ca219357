import { createHmac, timingSafeEqual } from 'node:crypto';
import { randomHex } from '../ids';
import type { Store } from '../store/store';

/** What a task token names: one attempt of one task of one execution. */
export interface TaskTokenParts {
  flowName: string;
  executionName: string;
  /** EventId of the attempt's TaskScheduled event. */
  eventId: number;
}

/** Mints and checks task tokens: base64 of `v1#flow#execution#eventId#hmac` (reference §3.4). */
export interface TokenCodec {
  mint(parts: TaskTokenParts): string;
  /** The parts, or undefined when the token is malformed or forged. */
  parse(token: string): TaskTokenParts | undefined;
}

/** A codec whose HMAC secret is generated once per data folder and kept in the DB. */
export function createTokenCodec(store: Store): TokenCodec {
  const row = store.db.prepare("SELECT value FROM flow_meta WHERE key = 'token-secret'").get() as
    | { value: string }
    | undefined;
  let secretHex = row?.value;
  if (!secretHex) {
    secretHex = randomHex(32);
    store.db
      .prepare("INSERT OR IGNORE INTO flow_meta (key, value) VALUES ('token-secret', ?)")
      .run(secretHex);
  }
  const secret = Buffer.from(secretHex, 'hex');
  const sign = (body: string) => createHmac('sha256', secret).update(body).digest().subarray(0, 20);
  return {
    mint({ flowName, executionName, eventId }) {
      const body = `v1#${flowName}#${executionName}#${eventId}`;
      return Buffer.from(`${body}#${sign(body).toString('base64')}`, 'utf8').toString('base64');
    },
    parse(token) {
      if (typeof token !== 'string' || token.length === 0 || token.length > 2048) return undefined;
      const text = Buffer.from(token, 'base64').toString('utf8');
      const parts = text.split('#');
      if (parts.length !== 5 || parts[0] !== 'v1') return undefined;
      const [, flowName = '', executionName = '', id = '', sig = ''] = parts;
      if (!/^[0-9]{1,15}$/.test(id)) return undefined;
      const given = Buffer.from(sig, 'base64');
      const expected = sign(`v1#${flowName}#${executionName}#${id}`);
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
      return { flowName, executionName, eventId: Number(id) };
    },
  };
}
