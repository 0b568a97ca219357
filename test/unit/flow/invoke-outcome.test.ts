import { describe, expect, it } from 'vitest';
import { invokeOutcome } from '../../../local/flow/invoke-outcome';

describe("a function step's result", () => {
  it('becomes $local when it is a JSON object, also as the JSON text of one', () => {
    expect(invokeOutcome({ ok: true, body: '{"id":"1e5"}' })).toEqual({
      ok: true,
      local: { id: '1e5' },
    });
    expect(invokeOutcome({ ok: true, body: JSON.stringify('{"n":2}') })).toEqual({
      ok: true,
      local: { n: 2 },
    });
  });

  it('fails the step, as Input would be refused, when it nests too deep or overflows a double', () => {
    const deep = `{"a":${'['.repeat(20_000)}${']'.repeat(20_000)}}`;
    for (const body of [deep, '{"n":1e400}', JSON.stringify('{"n":-1e400}')]) {
      const out = invokeOutcome({ ok: true, body });
      expect(out, body.slice(0, 20)).toMatchObject({ ok: false, error: 'FnF.InvalidLocal' });
    }
    expect(invokeOutcome({ ok: true, body: deep })).toMatchObject({
      cause: 'the function result nests objects and arrays more than 256 levels deep',
    });
  });
});
