import { describe, expect, it } from 'vitest';
import { evaluatePath, FdlError, type JsonObject, parsePath } from '../../../shared/fdl';

const input: JsonObject = {
  bucket: 'b1',
  files: [
    { name: 'a.csv', parts: [1, 2] },
    { name: 'b.csv', parts: [3] },
    { other: true, parts: [] },
  ],
  'odd key': 7,
  nested: { deep: { value: null } },
};

describe('evaluatePath', () => {
  it('reads dotted keys and indexes from the named roots', () => {
    expect(evaluatePath('$input.bucket', { input })).toBe('b1');
    expect(evaluatePath('$input.files[1].name', { input })).toBe('b.csv');
    expect(evaluatePath('$local.x', { local: { x: 1 } })).toBe(1);
    expect(evaluatePath('$context.task.token', { context: { task: { token: 't' } } })).toBe('t');
    expect(evaluatePath('$input', { input })).toBe(input);
  });

  it('returns null for a present null and undefined for a missing key or index', () => {
    expect(evaluatePath('$input.nested.deep.value', { input })).toBeNull();
    expect(evaluatePath('$input.nested.missing', { input })).toBeUndefined();
    expect(evaluatePath('$input.files[9]', { input })).toBeUndefined();
    expect(evaluatePath('$input.bucket.length', { input })).toBeUndefined();
    expect(evaluatePath('$local.x', {})).toBeUndefined();
  });

  it('collects every match of [*] into a flat array and skips elements without the key', () => {
    expect(evaluatePath('$input.files[*].name', { input })).toEqual(['a.csv', 'b.csv']);
    expect(evaluatePath('$input.files[*].parts[*]', { input })).toEqual([1, 2, 3]);
    expect(
      evaluatePath('$local[*].status', { local: [{ status: 'ok' }, { status: 'no' }] as never }),
    ).toEqual(['ok', 'no']);
    expect(evaluatePath('$input.bucket[*]', { input })).toEqual([]);
  });

  it('reads quoted keys in brackets', () => {
    expect(evaluatePath('$input["odd key"]', { input })).toBe(7);
    expect(evaluatePath("$input['odd key']", { input })).toBe(7);
  });

  it('uses the explicit $ root, or the input merged with the local when none is given', () => {
    expect(evaluatePath('$.a', { $: { a: 'explicit' }, input: { a: 'in' } })).toBe('explicit');
    expect(evaluatePath('$.a', { input: { a: 'in', b: 1 }, local: { a: 'local' } })).toBe('local');
    expect(evaluatePath('$', { input: { a: 1 }, local: { b: 2 } })).toEqual({ a: 1, b: 2 });
  });

  it('does not read inherited properties such as constructor or __proto__', () => {
    expect(evaluatePath('$input.constructor', { input: {} })).toBeUndefined();
    expect(evaluatePath('$input.__proto__', { input: {} })).toBeUndefined();
  });

  it('throws an FdlError with code invalid-path on a syntax error', () => {
    expect(() => evaluatePath('$input.', { input })).toThrowError(FdlError);
    // The code check must not sit in a catch block that a non-throwing call would skip.
    expect(() => evaluatePath('$input[x]', { input })).toThrowError(
      expect.objectContaining({ name: 'FdlError', code: 'invalid-path' }),
    );
  });
});

describe('parsePath', () => {
  it('reports the offset of the first bad character with a hint', () => {
    expect(parsePath('$input.a b')).toEqual({
      ok: false,
      message: 'unexpected " " in path; use .key, [n], [*] or ["key"]',
      offset: 8,
    });
    expect(parsePath('$inputs.a')).toMatchObject({ ok: false, offset: 0 });
    expect(parsePath('$.a[-1]')).toMatchObject({ ok: false, offset: 4 });
    expect(parsePath('$.a[*')).toMatchObject({ ok: false, offset: 5 });
    expect(parsePath('$.a["x')).toMatchObject({ ok: false, message: 'unterminated quoted key' });
  });

  it('names the root and marks wildcard paths', () => {
    const r = parsePath('$local[*].x');
    expect(r.ok && r.path.root).toBe('$local');
    expect(r.ok && r.path.wildcard).toBe(true);
    const s = parsePath('$');
    expect(s.ok && s.path.segments).toEqual([]);
  });
});
