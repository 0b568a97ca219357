import { describe, expect, it } from 'vitest';
import { maskTokens, maskTokenText } from '../../../local/console/model/step-states';
import { FLOW_MIGRATIONS } from '../../../local/flow/schema';
import { createTokenCodec } from '../../../local/flow/tokens';
import { openStore } from '../../../local/store/store';

function realToken(): string {
  const store = openStore({ memory: true });
  store.migrate('flow', FLOW_MIGRATIONS);
  const token = createTokenCodec(store).mint({
    flowName: 'queueflow-demo',
    executionName: 'run-1',
    execId: 12,
    eventId: 5,
  });
  store.close();
  return token;
}

describe('the console never shows a task token whole', () => {
  it('cuts a token found anywhere in text: escaped JSON, under any key, or none', () => {
    const token = realToken();
    const escaped = JSON.stringify({ input: JSON.stringify({ task_token: token }) });
    const plain = `worker said: ${token} failed`;
    for (const text of [escaped, plain]) {
      const masked = maskTokenText(text);
      expect(masked).not.toContain(token);
      expect(masked).toContain(`${token.slice(0, 10)}…`);
    }
  });

  it('masks tokens inside string values of nested data too', () => {
    const token = realToken();
    const data = { step: { input: JSON.stringify({ taskToken: token }), note: 'keep me' } };
    const out = JSON.stringify(maskTokens(data));
    expect(out).not.toContain(token);
    expect(out).toContain('keep me');
  });
});
