/**
 * The Serverless Devs 3 magic-variable language, as far as s.yaml uses it:
 * `${vars.x}`, `${this.props.x}`, `${resources.r.props.x}`, `${path('./x')}`,
 * `${env('X', 'default')}`, `${config('AccountID')}`, `${file('./f')}`, `${json(...)}`.
 * This file only parses; resolve.ts evaluates.
 */

/** A parsed `${...}` expression. */
export type Expr =
  | { kind: 'literal'; value: string | number }
  | { kind: 'ref'; segments: (string | number)[] }
  | { kind: 'call'; name: string; args: Expr[] };

/** A string split into literal text and expressions. */
export type TemplatePart = { text: string } | { expr: Expr; source: string };

/** Thrown for a malformed expression; the caller adds the location. */
export class ExpressionSyntaxError extends Error {
  override readonly name = 'ExpressionSyntaxError';
}

/** Splits `a-${vars.b}-c` into parts; strings without `${` give one text part. */
export function parseTemplate(input: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let i = 0;
  while (i < input.length) {
    const start = input.indexOf('${', i);
    if (start < 0) {
      parts.push({ text: input.slice(i) });
      break;
    }
    if (start > i) parts.push({ text: input.slice(i, start) });
    const end = findClose(input, start + 2);
    const source = input.slice(start + 2, end);
    parts.push({ expr: parseExpression(source), source });
    i = end + 1;
  }
  return parts;
}

/** Index of the `}` closing an expression that starts at `from`, skipping quoted text. */
function findClose(input: string, from: number): number {
  let quote: string | undefined;
  for (let i = from; i < input.length; i++) {
    const c = input[i];
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === "'" || c === '"') {
      quote = c;
    } else if (c === '}') {
      return i;
    }
  }
  throw new ExpressionSyntaxError(`unclosed \${ in "${input}"`);
}

/** Parses the inside of one `${...}`. */
export function parseExpression(source: string): Expr {
  const p = new Parser(source);
  // s 3 does not find `${ vars.x }`: no space inside the braces.
  if (/^\s|\s$/.test(source)) {
    throw new ExpressionSyntaxError(
      `\${${source}}: no spaces inside \${...} (s does not resolve it)`,
    );
  }
  const expr = p.expression();
  p.skipSpace();
  if (!p.done()) p.fail('unexpected text');
  // s 3.1.10 (art-template) generates `$escape('lit', '${'lit'}')` for it, which does
  // not compile; as an argument (env('X', 'd')) or in double quotes it works.
  if (expr.kind === 'literal' && source.startsWith("'")) {
    throw new ExpressionSyntaxError(
      `\${${source}}: s cannot compile a single-quoted literal on its own (s preview: "CompileError: missing ) after argument list"); write the text without \${...}`,
    );
  }
  return expr;
}

class Parser {
  private pos = 0;
  constructor(private readonly src: string) {}

  done(): boolean {
    return this.pos >= this.src.length;
  }

  fail(what: string): never {
    throw new ExpressionSyntaxError(`${what} at character ${this.pos + 1} of \${${this.src}}`);
  }

  skipSpace(): void {
    while (!this.done() && /\s/.test(this.src[this.pos]!)) this.pos++;
  }

  private peek(): string | undefined {
    return this.src[this.pos];
  }

  private eat(c: string): boolean {
    this.skipSpace();
    if (this.peek() === c) {
      this.pos++;
      return true;
    }
    return false;
  }

  expression(): Expr {
    this.skipSpace();
    const c = this.peek();
    if (c === "'" || c === '"') return { kind: 'literal', value: this.quoted() };
    if (c !== undefined && /[0-9]/.test(c)) return { kind: 'literal', value: this.number() };
    const name = this.identifier();
    if (this.eat('(')) return { kind: 'call', name, args: this.args() };
    const segments: (string | number)[] = [name];
    for (;;) {
      if (this.peek() === '.') {
        this.pos++;
        segments.push(this.identifier());
      } else if (this.peek() === '[') {
        // s 3 resolves neither vars.list[1] nor vars['key'] ("not found").
        this.fail('s does not resolve [...] in references; use a dotted name');
      } else {
        return { kind: 'ref', segments };
      }
    }
  }

  private args(): Expr[] {
    const args: Expr[] = [];
    if (this.eat(')')) return args;
    for (;;) {
      args.push(this.expression());
      if (this.eat(')')) return args;
      if (!this.eat(',')) this.fail('expected , or )');
    }
  }

  /** Names may contain `-`: s.yaml resource keys such as `task-worker` do. */
  private identifier(): string {
    this.skipSpace();
    const m = /^[A-Za-z_$][\w$-]*/.exec(this.src.slice(this.pos));
    if (!m) this.fail('expected a name');
    this.pos += m[0].length;
    return m[0];
  }

  private number(): number {
    const m = /^[0-9]+/.exec(this.src.slice(this.pos));
    if (!m) this.fail('expected a number');
    this.pos += m[0].length;
    return Number(m[0]);
  }

  private quoted(): string {
    const q = this.src[this.pos];
    const end = this.src.indexOf(q!, this.pos + 1);
    if (end < 0) this.fail('unclosed quote');
    const value = this.src.slice(this.pos + 1, end);
    this.pos = end + 1;
    return value;
  }
}
