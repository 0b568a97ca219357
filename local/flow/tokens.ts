import { createHmac, timingSafeEqual } from 'node:crypto';
import { randomHex } from '../ids';
import type { Store } from '../store/store';

/** What a task token names: one attempt of one task of one execution. */
export interface TaskTokenParts {
  flowName: string;
  executionName: string;
  /**
   * The execution's row id. Names are reused (DeleteFlow keeps executions
   * running, and a flow and execution can be created again under the same
   * names), so the id is what a report resolves; absent only in v1 tokens.
   */
  execId?: number;
  /** EventId of the attempt's TaskScheduled event. */
  eventId: number;
}

/**
 * Mints and checks task tokens: base64 of
 * `v2#execId#eventId#base64url(flow)#base64url(execution)#hmac`. Names are
 * encoded so that any name (relaxed limits allow `#`) round-trips; v1 tokens
 * (`v1#flow#execution#eventId#hmac`, minted before) are still read.
 */
export interface TokenCodec {
  mint(parts: Required<TaskTokenParts>): string;
  /** The parts, or undefined when the token is malformed or forged. */
  parse(token: string): TaskTokenParts | undefined;
}

const b64url = (text: string) => Buffer.from(text, 'utf8').toString('base64url');

/**
 * Tokens this codec minted lately, with their parts. A task's token is minted
 * twice (for its TaskScheduled, and again when its step's input is rebuilt on
 * the report) and parsed once (the report); a token found here is one this
 * process signed, so its HMAC is neither computed again nor checked again. A
 * token not found (older, or from before a restart) takes the full path.
 */
const RECENT_TOKENS = 4096;
const NUMBER = /^[0-9]{1,15}$/;

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
  const signedBy = (body: string, sig: string) => {
    const given = Buffer.from(sig, 'base64');
    const expected = sign(body);
    return (
      given.length === expected.length &&
      timingSafeEqual(given, expected) &&
      given.toString('base64') === sig
    );
  };
  const byToken = new Map<string, Required<TaskTokenParts>>();
  const byAttempt = new Map<string, string>();
  const remember = (token: string, key: string, parts: Required<TaskTokenParts>) => {
    if (byToken.size >= RECENT_TOKENS) {
      const oldest = byToken.keys().next().value as string;
      const old = byToken.get(oldest);
      byToken.delete(oldest);
      if (old) byAttempt.delete(attemptKey(old));
    }
    byToken.set(token, parts);
    byAttempt.set(key, token);
  };
  return {
    mint(parts) {
      const key = attemptKey(parts);
      const known = byAttempt.get(key);
      if (known !== undefined) return known;
      const { flowName, executionName, execId, eventId } = parts;
      const body = `v2#${execId}#${eventId}#${b64url(flowName)}#${b64url(executionName)}`;
      const token = Buffer.from(`${body}#${sign(body).toString('base64')}`, 'utf8').toString(
        'base64',
      );
      remember(token, key, { flowName, executionName, execId, eventId });
      return token;
    },
    parse(token) {
      if (typeof token !== 'string' || token.length === 0 || token.length > 4096) return undefined;
      const known = byToken.get(token);
      if (known) return { ...known };
      const bytes = Buffer.from(token, 'base64');
      // Node's decoder skips what is not base64 (spaces, junk, text after the
      // padding): only the string as minted names the task, as in the cloud.
      if (bytes.toString('base64') !== token) return undefined;
      const text = bytes.toString('utf8');
      const parts = text.split('#');
      if (parts[0] === 'v2' && parts.length === 6) {
        const [, execId = '', eventId = '', flow = '', execution = '', sig = ''] = parts;
        if (!NUMBER.test(execId) || !NUMBER.test(eventId)) return undefined;
        if (!signedBy(`v2#${execId}#${eventId}#${flow}#${execution}`, sig)) return undefined;
        return {
          flowName: Buffer.from(flow, 'base64url').toString('utf8'),
          executionName: Buffer.from(execution, 'base64url').toString('utf8'),
          execId: Number(execId),
          eventId: Number(eventId),
        };
      }
      if (parts[0] === 'v1' && parts.length === 5) {
        const [, flowName = '', executionName = '', id = '', sig = ''] = parts;
        if (!NUMBER.test(id)) return undefined;
        if (!signedBy(`v1#${flowName}#${executionName}#${id}`, sig)) return undefined;
        return { flowName, executionName, eventId: Number(id) };
      }
      return undefined;
    },
  };
}

/** One attempt's identity: the names ride along, so a reused name never hits another's entry. */
function attemptKey(p: Required<TaskTokenParts>): string {
  return `${p.execId}#${p.eventId}#${p.flowName.length}:${p.flowName}#${p.executionName}`;
}
