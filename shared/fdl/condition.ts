import { evaluateParsedPath, isNameChar, isObject, type ParsedPath, scanPath } from './path';
import type { Json } from './types';

/** A comparison operator of the condition language. */
export type CompareOp = '==' | '!=' | '<' | '<=' | '>' | '>=';

/** A parsed choice condition (JSON-serialisable). */
export type ConditionNode =
  | { kind: 'or' | 'and'; left: ConditionNode; right: ConditionNode }
  | { kind: 'not'; operand: ConditionNode }
  | { kind: 'compare'; op: CompareOp; left: ConditionNode; right: ConditionNode }
  | { kind: 'path'; path: ParsedPath }
  | { kind: 'literal'; value: Json };

/** The result of parseCondition: an AST, or a message with the 0-based offset of the problem. */
export type ConditionParse =
  | { ok: true; ast: ConditionNode }
  | { ok: false; message: string; offset: number };

type Token =
  | { t: 'op'; v: string; at: number }
  | { t: 'path'; path: ParsedPath; at: number }
  | { t: 'lit'; v: Json; at: number }
  | { t: 'end'; at: number };

class ConditionSyntaxError extends Error {
  override readonly name = 'ConditionSyntaxError';
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

const COMPARE_OPS = new Set(['==', '!=', '<', '<=', '>', '>=']);
const MAX_DEPTH = 64;
// A chain of && / || builds a tree as deep as it is long, walked recursively: capped.
const MAX_TERMS = 256;

/**
 * Parses a choice condition once (so syntax errors show at validate time). Grammar:
 * `or := and ("||" and)*`, `and := unary ("&&" unary)*`, `unary := "!" unary | cmp`,
 * `cmp := primary (op primary)?`, `primary := "(" or ")" | path | "..." | \`...\` | number | true | false | null`.
 * Paths refer to the step input: `$`, `$.a.b`, `$.a[0]`, `$.a[*]`, `$["k"]`.
 * @example parseCondition('$.status == "ready" && !$.retry')
 */
export function parseCondition(text: string): ConditionParse {
  try {
    const tokens = tokenize(text);
    const parser = new Parser(tokens);
    const ast = parser.parseOr(0);
    const next = parser.peek();
    if (next.t !== 'end') {
      throw new ConditionSyntaxError(
        `unexpected ${describe(next)}; expected "&&", "||" or the end of the condition`,
        next.at,
      );
    }
    return { ok: true, ast };
  } catch (err) {
    if (err instanceof ConditionSyntaxError) {
      return { ok: false, message: err.message, offset: err.offset };
    }
    throw err;
  }
}

function describe(token: Token): string {
  switch (token.t) {
    case 'op':
      return `"${token.v}"`;
    case 'path':
      return `path ${token.path.text}`;
    case 'lit':
      return `value ${JSON.stringify(token.v)}`;
    default:
      return 'end of the condition';
  }
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r') {
      i++;
      continue;
    }
    const two = text.slice(i, i + 2);
    if (
      two === '&&' ||
      two === '||' ||
      two === '==' ||
      two === '!=' ||
      two === '<=' ||
      two === '>='
    ) {
      tokens.push({ t: 'op', v: two, at: i });
      i += 2;
      continue;
    }
    if (ch === '=') {
      throw new ConditionSyntaxError('"=" is not an operator; use "==" to compare', i);
    }
    if (ch === '&' || ch === '|') {
      throw new ConditionSyntaxError(`"${ch}" is not an operator; use "${ch}${ch}"`, i);
    }
    if ('<>!()'.includes(ch)) {
      tokens.push({ t: 'op', v: ch, at: i });
      i++;
      continue;
    }
    if (ch === '$') {
      const scan = scanPath(text, i);
      if (!scan.ok) throw new ConditionSyntaxError(scan.message, scan.offset);
      if (scan.path.root !== '$') {
        const rest = scan.path.text.slice(scan.path.root.length);
        throw new ConditionSyntaxError(
          `${scan.path.root} is not available in a condition; paths refer to the step input: write $${rest || '.key'}`,
          i,
        );
      }
      tokens.push({ t: 'path', path: scan.path, at: i });
      i = scan.end;
      continue;
    }
    if (ch === '"') {
      const end = findClosing(text, i, '"');
      let value: string;
      try {
        value = JSON.parse(text.slice(i, end + 1)) as string;
      } catch {
        throw new ConditionSyntaxError('invalid escape in string', i);
      }
      tokens.push({ t: 'lit', v: value, at: i });
      i = end + 1;
      continue;
    }
    if (ch === '`') {
      const end = text.indexOf('`', i + 1);
      if (end < 0) throw new ConditionSyntaxError('unterminated string; close it with `', i);
      tokens.push({ t: 'lit', v: text.slice(i + 1, end), at: i });
      i = end + 1;
      continue;
    }
    if (ch === "'") {
      throw new ConditionSyntaxError('single quotes do not delimit strings; use "..." or `...`', i);
    }
    const num = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(text.slice(i));
    if (num && !isNameChar(text[i + num[0].length])) {
      tokens.push({ t: 'lit', v: Number(num[0]), at: i });
      i += num[0].length;
      continue;
    }
    let j = i;
    while (isNameChar(text[j])) j++;
    const word = text.slice(i, j);
    if (word === 'true' || word === 'false') {
      tokens.push({ t: 'lit', v: word === 'true', at: i });
    } else if (word === 'null') {
      tokens.push({ t: 'lit', v: null, at: i });
    } else if (word === 'and' || word === 'or' || word === 'not') {
      const use = word === 'and' ? '&&' : word === 'or' ? '||' : '!';
      throw new ConditionSyntaxError(`"${word}" is not an operator; use "${use}"`, i);
    } else if (word.length > 0) {
      throw new ConditionSyntaxError(
        `unexpected word "${word}"; strings need quotes ("${word}") and paths start with "$."`,
        i,
      );
    } else {
      throw new ConditionSyntaxError(`unexpected character "${ch}"`, i);
    }
    i = j;
  }
  tokens.push({ t: 'end', at: text.length });
  return tokens;
}

function findClosing(text: string, open: number, quote: string): number {
  let i = open + 1;
  while (i < text.length) {
    if (text[i] === '\\') i += 2;
    else if (text[i] === quote) return i;
    else i++;
  }
  throw new ConditionSyntaxError(`unterminated string; close it with ${quote}`, open);
}

class Parser {
  private i = 0;
  constructor(private readonly tokens: Token[]) {}

  peek(): Token {
    return this.tokens[this.i]!;
  }

  private isOp(v: string): boolean {
    const t = this.peek();
    return t.t === 'op' && t.v === v;
  }

  private joins = 0;

  private join(): void {
    this.i++;
    // n joins make n + 1 terms.
    if (++this.joins + 1 > MAX_TERMS) {
      throw new ConditionSyntaxError(
        `condition joins more than ${MAX_TERMS} terms with && and ||`,
        this.peek().at,
      );
    }
  }

  parseOr(depth: number): ConditionNode {
    let left = this.parseAnd(depth);
    while (this.isOp('||')) {
      this.join();
      left = { kind: 'or', left, right: this.parseAnd(depth) };
    }
    return left;
  }

  private parseAnd(depth: number): ConditionNode {
    let left = this.parseUnary(depth);
    while (this.isOp('&&')) {
      this.join();
      left = { kind: 'and', left, right: this.parseUnary(depth) };
    }
    return left;
  }

  private parseUnary(depth: number): ConditionNode {
    if (depth > MAX_DEPTH)
      throw new ConditionSyntaxError('condition is nested too deeply', this.peek().at);
    if (this.isOp('!')) {
      this.i++;
      return { kind: 'not', operand: this.parseUnary(depth + 1) };
    }
    const left = this.parsePrimary(depth);
    const t = this.peek();
    if (t.t === 'op' && COMPARE_OPS.has(t.v)) {
      this.i++;
      const right = this.parsePrimary(depth);
      const after = this.peek();
      if (after.t === 'op' && COMPARE_OPS.has(after.v)) {
        throw new ConditionSyntaxError(
          'comparisons do not chain; join them with "&&" (a < b && b < c)',
          after.at,
        );
      }
      return { kind: 'compare', op: t.v as CompareOp, left, right };
    }
    return left;
  }

  private parsePrimary(depth: number): ConditionNode {
    const t = this.peek();
    if (t.t === 'op' && t.v === '(') {
      this.i++;
      const inner = this.parseOr(depth + 1);
      const close = this.peek();
      if (!(close.t === 'op' && close.v === ')')) {
        throw new ConditionSyntaxError(`expected ")" to close the "(" at ${t.at + 1}`, close.at);
      }
      this.i++;
      return inner;
    }
    if (t.t === 'path') {
      this.i++;
      return { kind: 'path', path: t.path };
    }
    if (t.t === 'lit') {
      this.i++;
      return { kind: 'literal', value: t.v };
    }
    throw new ConditionSyntaxError(
      `unexpected ${describe(t)}; expected a path ($.key), a string, a number, true, false, null or "("`,
      t.at,
    );
  }
}

/**
 * Evaluates a parsed condition against the step input. `==`/`!=` compare JSON values deeply and
 * never convert types; `<`… compare two numbers or two strings and are false otherwise; a
 * missing path is null; `!`, `&&`, `||` and a bare operand use truthiness (false, null,
 * missing, 0, "" are false).
 * @example evaluateCondition(ast, { status: 'ready' })
 */
export function evaluateCondition(ast: ConditionNode, input: Json): boolean {
  return truthy(value(ast, input));
}

function value(node: ConditionNode, input: Json): Json {
  switch (node.kind) {
    case 'literal':
      return node.value;
    case 'path':
      return evaluateParsedPath(node.path, input) ?? null;
    case 'not':
      return !truthy(value(node.operand, input));
    case 'and':
      return truthy(value(node.left, input)) && truthy(value(node.right, input));
    case 'or':
      return truthy(value(node.left, input)) || truthy(value(node.right, input));
    case 'compare':
      return compare(node.op, value(node.left, input), value(node.right, input));
  }
}

function compare(op: CompareOp, a: Json, b: Json): boolean {
  if (op === '==') return jsonEqual(a, b);
  if (op === '!=') return !jsonEqual(a, b);
  const bothNumbers = typeof a === 'number' && typeof b === 'number';
  const bothStrings = typeof a === 'string' && typeof b === 'string';
  if (!bothNumbers && !bothStrings) return false;
  switch (op) {
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '>':
      return a > b;
    default:
      return a >= b;
  }
}

/**
 * Truthiness in conditions: false, null, 0, NaN and "" are false; everything else is true.
 * @example truthy(0) // false; truthy('0') // true; truthy([]) // true
 */
export function truthy(v: Json | undefined): boolean {
  return !(v === undefined || v === null || v === false || v === 0 || v === '' || Number.isNaN(v));
}

/**
 * Deep equality of JSON values; no type conversion (1 != "1").
 * @example jsonEqual({ a: [1, 2] }, { a: [1, 2] }) // true; jsonEqual(1, '1') // false
 */
export function jsonEqual(a: Json, b: Json): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]!));
  }
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a);
    if (ka.length !== Object.keys(b).length) return false;
    return ka.every((k) => Object.hasOwn(b, k) && jsonEqual(a[k]!, b[k]!));
  }
  return false;
}
