import { describe, expect, it } from 'vitest';
import { checkExecutionInput, checkExecutionName } from '../../../local/console/model/start-input';

describe('checkExecutionInput', () => {
  it('accepts a JSON object and blank input', () => {
    expect(checkExecutionInput(' {"source": "orders-2026-11.csv"} ')).toEqual({
      ok: true,
      text: '{"source":"orders-2026-11.csv"}',
    });
    expect(checkExecutionInput('  ')).toEqual({ ok: true, text: '{}' });
  });

  it('says what is wrong with text that is not JSON', () => {
    const r = checkExecutionInput('{"source": ');
    expect(r.ok).toBe(false);
    expect(!r.ok && r.message).toMatch(/^Input is not valid JSON: /);
  });

  it('refuses JSON that is not an object', () => {
    for (const text of ['[1]', '"x"', '3', 'null']) {
      const r = checkExecutionInput(text);
      expect(r.ok, text).toBe(false);
      expect(!r.ok && r.message).toMatch(/must be a JSON object/);
    }
  });
});

describe('checkExecutionName', () => {
  it('accepts blank and valid names and refuses the rest', () => {
    expect(checkExecutionName('').ok).toBe(true);
    expect(checkExecutionName('run_1-a').ok).toBe(true);
    expect(checkExecutionName('1run').ok).toBe(false);
    expect(checkExecutionName('a b').ok).toBe(false);
    expect(checkExecutionName('x'.repeat(129)).ok).toBe(false);
  });
});
