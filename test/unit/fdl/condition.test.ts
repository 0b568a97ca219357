import { describe, expect, it } from 'vitest';
import { type ConditionNode, evaluateCondition, parseCondition } from '../../../shared/fdl';

function check(text: string, input: unknown): boolean {
  const parsed = parseCondition(text);
  if (!parsed.ok) throw new Error(`${text}: ${parsed.message}`);
  return evaluateCondition(parsed.ast, input as never);
}

describe('parseCondition and evaluateCondition', () => {
  it('refuses a chain of more than 256 terms joined by && / ||, which would nest past what evaluation can walk', () => {
    const chain = (n: number) => Array.from({ length: n }, (_, i) => `$.a == ${i}`).join(' || ');
    expect(parseCondition(chain(256)).ok).toBe(true);
    for (const n of [257, 12_000]) {
      const long = parseCondition(chain(n));
      expect(long.ok).toBe(false);
      if (!long.ok) expect(long.message).toMatch(/more than 256 terms/);
    }
  });

  it('evaluates the sample conditions from the FDL docs', () => {
    expect(check('$.status == "ready"', { status: 'ready' })).toBe(true);
    expect(check('$.status == "ready"', { status: 'failed' })).toBe(false);
    expect(check('$.audited == "true"', { audited: 'true' })).toBe(true);
    expect(check('$.hasMore', { hasMore: true })).toBe(true);
    expect(
      check('$.total_size <= $.small_file_limit', { total_size: 5, small_file_limit: 5 }),
    ).toBe(true);
    const cond =
      '$.has_more && ($.event_id >= 4000 || $.total_group_count >= $.total_group_threshold)';
    expect(
      check(cond, { has_more: true, event_id: 1, total_group_count: 3, total_group_threshold: 3 }),
    ).toBe(true);
    expect(
      check(cond, { has_more: true, event_id: 1, total_group_count: 2, total_group_threshold: 3 }),
    ).toBe(false);
    expect(check(cond, { has_more: false, event_id: 5000 })).toBe(false);
  });

  it('gives && precedence over || and lets parentheses override it', () => {
    expect(check('true || false && false', {})).toBe(true);
    expect(check('(true || false) && false', {})).toBe(false);
  });

  it('supports !, null, numbers, booleans and backtick strings', () => {
    expect(check('!$.done', {})).toBe(true);
    expect(check('!!$.done', { done: 1 })).toBe(true);
    expect(check('$.x == null', {})).toBe(true);
    expect(check('$.x != null', { x: 0 })).toBe(true);
    expect(check('$.n == -12.5e1', { n: -125 })).toBe(true);
    expect(check('$.s == `a "quoted" b`', { s: 'a "quoted" b' })).toBe(true);
    expect(check('$.s == "tab\\tnew"', { s: 'tab\tnew' })).toBe(true);
    expect(check('$.flag == false', { flag: false })).toBe(true);
  });

  it('never converts types: equality is strict and ordering of mixed types is false', () => {
    expect(check('$.n == "1"', { n: 1 })).toBe(false);
    expect(check('$.n != "1"', { n: 1 })).toBe(true);
    expect(check('$.n < "2"', { n: 1 })).toBe(false);
    expect(check('$.n >= "2"', { n: 1 })).toBe(false);
    expect(check('$.s < "b"', { s: 'a' })).toBe(true);
    expect(check('$.missing > 0', {})).toBe(false);
  });

  it('compares arrays and objects deeply', () => {
    expect(check('$.a == $.b', { a: [1, { x: 2 }], b: [1, { x: 2 }] })).toBe(true);
    expect(check('$.a == $.b', { a: { x: 1 }, b: { x: 1, y: 2 } })).toBe(false);
  });

  it('treats false, null, missing, 0 and "" as false, and "false", [] and {} as true', () => {
    for (const v of [false, null, 0, '']) expect(check('$.v', { v })).toBe(false);
    expect(check('$.v', {})).toBe(false);
    for (const v of ['false', [], {}, 'x', -1]) expect(check('$.v', { v })).toBe(true);
  });

  it('reads [*] and indexes in condition paths', () => {
    expect(check('$.files[0].name == "a"', { files: [{ name: 'a' }] })).toBe(true);
    expect(
      check('$.files[*].name == $.names', {
        files: [{ name: 'a' }, { name: 'b' }],
        names: ['a', 'b'],
      }),
    ).toBe(true);
  });

  it('parses into a JSON-serialisable AST', () => {
    const parsed = parseCondition('$.a == 1 && !$.b');
    expect(parsed.ok).toBe(true);
    const ast = (parsed as { ast: ConditionNode }).ast;
    expect(JSON.parse(JSON.stringify(ast))).toEqual(ast);
    expect(ast.kind).toBe('and');
  });

  it.each([
    ['$.status = "ready"', 9, '"=" is not an operator; use "==" to compare'],
    ['$.a & $.b', 4, '"&" is not an operator; use "&&"'],
    ['$.a and $.b', 4, '"and" is not an operator; use "&&"'],
    ["$.status == 'ready'", 12, 'single quotes do not delimit strings; use "..." or `...`'],
    [
      '$.status == ready',
      12,
      'unexpected word "ready"; strings need quotes ("ready") and paths start with "$."',
    ],
    ['$.a == "open', 7, 'unterminated string; close it with "'],
    ['($.a == 1', 9, 'expected ")" to close the "(" at 1'],
    ['$.a == 1)', 8, 'unexpected ")"; expected "&&", "||" or the end of the condition'],
    ['$.a < $.b < $.c', 10, 'comparisons do not chain; join them with "&&" (a < b && b < c)'],
    [
      '$input.status == "x"',
      0,
      '$input is not available in a condition; paths refer to the step input: write $.status',
    ],
    [
      '$.a ==',
      6,
      'unexpected end of the condition; expected a path ($.key), a string, a number, true, false, null or "("',
    ],
    [
      '',
      0,
      'unexpected end of the condition; expected a path ($.key), a string, a number, true, false, null or "("',
    ],
    [
      '$.a[x] == 1',
      4,
      'expected an index ([0]), a wildcard ([*]) or a quoted key (["k"]) after "["',
    ],
  ])('rejects %j at offset %i', (text, offset, message) => {
    expect(parseCondition(text)).toEqual({ ok: false, offset, message });
  });
});
