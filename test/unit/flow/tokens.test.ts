import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FLOW_MIGRATIONS } from '../../../local/flow/schema';
import { createTokenCodec } from '../../../local/flow/tokens';
import { openStore } from '../../../local/store/store';

function codecOn(store: ReturnType<typeof openStore>) {
  store.migrate('flow', FLOW_MIGRATIONS);
  return createTokenCodec(store);
}

describe('task tokens', () => {
  it('are base64 of v2#execId#eventId#flow#execution#signature, names encoded, and parse back', () => {
    const store = openStore({ memory: true });
    const codec = codecOn(store);
    const parts = { flowName: 'queueflow-demo', executionName: 'run-1', execId: 7, eventId: 3 };
    const token = codec.mint(parts);
    expect(Buffer.from(token, 'base64').toString('utf8')).toMatch(
      /^v2#7#3#cXVldWVmbG93LWRlbW8#cnVuLTE#[A-Za-z0-9+/=]+$/,
    );
    expect(codec.parse(token)).toEqual(parts);
    // Any name round-trips, '#' included (relaxed limits allow it).
    const odd = { flowName: 'a#b', executionName: 'run 1 #2 é', execId: 8, eventId: 12 };
    expect(codec.parse(codec.mint(odd))).toEqual(odd);
    store.close();
  });

  it('still reads v1 tokens (flow#execution#eventId, no execution id) minted before', () => {
    const store = openStore({ memory: true });
    const codec = codecOn(store);
    const secret = Buffer.from(
      (
        store.db.prepare("SELECT value FROM flow_meta WHERE key = 'token-secret'").get() as {
          value: string;
        }
      ).value,
      'hex',
    );
    const body = 'v1#f#e#4';
    const sig = createHmac('sha256', secret).update(body).digest().subarray(0, 20);
    const v1 = Buffer.from(`${body}#${sig.toString('base64')}`).toString('base64');
    expect(codec.parse(v1)).toEqual({ flowName: 'f', executionName: 'e', eventId: 4 });
    store.close();
  });

  it('refuses forged, altered and malformed tokens without throwing', () => {
    const store = openStore({ memory: true });
    const codec = codecOn(store);
    const token = codec.mint({ flowName: 'f', executionName: 'e', execId: 1, eventId: 2 });
    const text = Buffer.from(token, 'base64').toString('utf8');
    const altered = Buffer.from(text.replace('#2#', '#3#')).toString('base64');
    const otherExecution = Buffer.from(text.replace('v2#1#', 'v2#5#')).toString('base64');
    for (const bad of [
      altered,
      otherExecution,
      '',
      'x',
      '%%%',
      Buffer.from('v1#f#e#2').toString('base64'),
      Buffer.from('v2#1#2#Zg#ZQ').toString('base64'),
      'a'.repeat(5000),
      // Strings Node's lenient base64 decoder reads as the token: not the token.
      `${token.slice(0, 8)}!!${token.slice(8)}`,
      `${token.slice(0, 8)} \n${token.slice(8)}`,
      `${token}AAAA`,
      `${token}=junk`,
      // The signature inside re-encoded the same way.
      Buffer.from(`${text} `).toString('base64'),
      Buffer.from(text.replace(/#([^#]*)$/, '#!$1')).toString('base64'),
    ]) {
      expect(codec.parse(bad), bad).toBeUndefined();
    }
    const other = codecOn(openStore({ memory: true }));
    expect(other.parse(token)).toBeUndefined();
    store.close();
  });

  it('answers recent tokens from memory exactly as the full path does', () => {
    const store = openStore({ memory: true });
    const codec = codecOn(store);
    const fresh = () => createTokenCodec(store); // same secret, nothing remembered
    const parts = { flowName: 'f', executionName: 'e', execId: 1, eventId: 2 };
    const token = codec.mint(parts);
    expect(codec.mint({ ...parts })).toBe(token);
    expect(fresh().mint(parts)).toBe(token);
    expect(codec.parse(token)).toEqual(fresh().parse(token));
    // A returned copy: a caller changing it does not change what is remembered.
    const got = codec.parse(token)!;
    got.eventId = 99;
    expect(codec.parse(token)).toEqual(parts);
    // A name that reads the same in the attempt key gets its own token.
    const other = codec.mint({ ...parts, flowName: 'f#1', executionName: 'e' });
    expect(other).not.toBe(token);
    expect(codec.parse(other)).toEqual({ ...parts, flowName: 'f#1' });
    // A token altered by one character is still checked, and refused.
    const text = Buffer.from(token, 'base64').toString('utf8');
    const forged = Buffer.from(text.replace('v2#1#2#', 'v2#1#3#'), 'utf8').toString('base64');
    expect(codec.parse(forged)).toBeUndefined();
    // Past what it remembers, a token parses through the HMAC check.
    for (let i = 0; i < 5000; i++) codec.mint({ ...parts, eventId: 1000 + i });
    expect(codec.parse(token)).toEqual(parts);
    store.close();
  });

  it('keeps its secret per data folder, so tokens survive a restart', () => {
    const dir = mkdtempSync(join(tmpdir(), 'qf-tokens-'));
    try {
      const first = openStore({ dataDir: dir });
      const token = codecOn(first).mint({
        flowName: 'f',
        executionName: 'e',
        execId: 1,
        eventId: 9,
      });
      first.close();
      const second = openStore({ dataDir: dir });
      expect(codecOn(second).parse(token)?.eventId).toBe(9);
      second.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
