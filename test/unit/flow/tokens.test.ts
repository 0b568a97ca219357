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
  it('are base64 of v1#flow#execution#eventId#signature and parse back', () => {
    const store = openStore({ memory: true });
    const codec = codecOn(store);
    const token = codec.mint({ flowName: 'queueflow-demo', executionName: 'run-1', eventId: 3 });
    expect(Buffer.from(token, 'base64').toString('utf8')).toMatch(
      /^v1#queueflow-demo#run-1#3#[A-Za-z0-9+/=]+$/,
    );
    expect(codec.parse(token)).toEqual({
      flowName: 'queueflow-demo',
      executionName: 'run-1',
      eventId: 3,
    });
    store.close();
  });

  it('refuses forged, altered and malformed tokens without throwing', () => {
    const store = openStore({ memory: true });
    const codec = codecOn(store);
    const token = codec.mint({ flowName: 'f', executionName: 'e', eventId: 2 });
    const text = Buffer.from(token, 'base64').toString('utf8');
    const altered = Buffer.from(text.replace('#2#', '#3#')).toString('base64');
    for (const bad of [
      altered,
      '',
      'x',
      '%%%',
      Buffer.from('v1#f#e#2').toString('base64'),
      'a'.repeat(5000),
    ]) {
      expect(codec.parse(bad)).toBeUndefined();
    }
    const other = codecOn(openStore({ memory: true }));
    expect(other.parse(token)).toBeUndefined();
    store.close();
  });

  it('keeps its secret per data folder, so tokens survive a restart', () => {
    const dir = mkdtempSync(join(tmpdir(), 'qf-tokens-'));
    try {
      const first = openStore({ dataDir: dir });
      const token = codecOn(first).mint({ flowName: 'f', executionName: 'e', eventId: 9 });
      first.close();
      const second = openStore({ dataDir: dir });
      expect(codecOn(second).parse(token)?.eventId).toBe(9);
      second.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
