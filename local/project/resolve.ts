import { existsSync, readFileSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import { type Expr, ExpressionSyntaxError, parseTemplate } from './expressions';
import { formatPath, isRecord, type NodePath, type YamlSource } from './yaml-source';

/** What the magic variables of s.yaml resolve against locally. */
export interface ResolveEnvironment {
  /** The parsed s.yaml. */
  source: YamlSource;
  /** The s.yaml folder: `path()` and `file()` are relative to it. */
  baseDir: string;
  /** `${config('AccountID')}`. */
  accountId: string;
  /** `${env('X')}`. */
  env: Record<string, string | undefined>;
}

/** Evaluates s.yaml values with their `${...}` expressions. */
export interface Resolver {
  /** The value at `path` in s.yaml with every expression in it evaluated. */
  resolve(path: NodePath): unknown;
}

/**
 * A lazy resolver: a reference is evaluated when it is used, so the order of
 * keys in s.yaml does not matter, and a reference cycle is reported as such.
 */
export function createResolver(envr: ResolveEnvironment): Resolver {
  const { source } = envr;
  const inProgress = new Set<string>();

  const fail = (at: NodePath, detail: string) => source.error(at, detail, 'ProjectExpressionError');

  const deep = (value: unknown, at: NodePath): unknown => {
    if (typeof value === 'string') return value.includes('${') ? evalString(value, at) : value;
    if (Array.isArray(value)) return value.map((v, i) => deep(v, [...at, i]));
    if (isRecord(value)) {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[k] = deep(v, [...at, k]);
      return out;
    }
    return value;
  };

  const evalString = (text: string, at: NodePath): unknown => {
    const key = formatPath(at);
    if (inProgress.has(key)) throw fail(at, `circular reference through ${key}`);
    inProgress.add(key);
    try {
      let parts: ReturnType<typeof parseTemplate>;
      try {
        parts = parseTemplate(text);
      } catch (e) {
        if (e instanceof ExpressionSyntaxError) throw fail(at, e.message);
        throw e;
      }
      const only = parts[0];
      // A value that is exactly one expression keeps its type (number, object, ...).
      if (parts.length === 1 && only && 'expr' in only) return evalExpr(only.expr, only.source, at);
      return parts
        .map((p) => {
          if ('text' in p) return p.text;
          const v = evalExpr(p.expr, p.source, at);
          if (typeof v === 'object' && v !== null) {
            throw fail(at, `\${${p.source}} is an object and cannot be part of a string`);
          }
          return String(v);
        })
        .join('');
    } finally {
      inProgress.delete(key);
    }
  };

  /** The child `seg` of `node` (own keys only), or undefined. */
  const childOf = (node: unknown, seg: string | number): unknown =>
    Array.isArray(node)
      ? typeof seg === 'number'
        ? node[seg]
        : undefined
      : isRecord(node) && Object.hasOwn(node, String(seg))
        ? node[String(seg)]
        : undefined;

  /** Walks to `target` from the root, evaluating strings met on the way. */
  const lookup = (
    target: NodePath,
    at: NodePath,
    exprSource: string,
    optional = false,
  ): unknown => {
    let node: unknown = source.data;
    for (let i = 0; i < target.length; i++) {
      if (typeof node === 'string' && node.includes('${'))
        node = evalString(node, target.slice(0, i));
      const next = childOf(node, target[i]!);
      if (next === undefined) {
        if (optional) return undefined;
        throw fail(at, `\${${exprSource}}: ${formatPath(target)} is not defined in s.yaml`);
      }
      node = next;
    }
    return deep(node, target);
  };

  const currentResource = (at: NodePath): string | undefined =>
    at[0] === 'resources' && typeof at[1] === 'string' ? at[1] : undefined;

  const resourceNames = (): string[] => {
    const data = source.data;
    return isRecord(data) && isRecord(data.resources) ? Object.keys(data.resources) : [];
  };

  /** The value at `target` as written in s.yaml, nothing evaluated. */
  const rawAt = (target: NodePath): unknown => {
    let node: unknown = source.data;
    for (const seg of target) node = childOf(node, seg);
    return node;
  };

  /**
   * s 3.1.10 resolves the props of one resource at a time, in YAML order. A
   * reference to a value it has not resolved yet (the current resource's props,
   * or a later resource's) gets that value's text as written, which s evaluates
   * once more, with `this` no longer defined: a `${this...}` in it fails there
   * ("${this.props.x} not found"). Vars resolve first, so `${vars.x}` in it works.
   */
  const refuseUnresolvedThis = (target: NodePath, at: NodePath, exprSource: string): void => {
    const raw = rawAt(target);
    if (typeof raw !== 'string' || !raw.includes('${')) return;
    let parts: ReturnType<typeof parseTemplate>;
    try {
      parts = parseTemplate(raw);
    } catch {
      return; // the syntax error is reported where the value itself is resolved
    }
    for (const part of parts) {
      if (!('expr' in part) || part.expr.kind !== 'ref' || part.expr.segments[0] !== 'this') {
        continue;
      }
      throw fail(
        at,
        `\${${exprSource}}: s puts the unresolved text of ${formatPath(target)} (${JSON.stringify(raw)}) in its place and evaluates it once more without "this", so \`s\` stops with "\${${part.source}} not found"; write the value out, or share it through vars`,
      );
    }
  };

  const evalRef = (segments: (string | number)[], exprSource: string, at: NodePath): unknown => {
    const [head, second, third, ...rest] = segments;
    if (head === 'vars') return lookup(segments, at, exprSource);
    if (head === 'this') {
      const res = currentResource(at);
      if (!res) throw fail(at, `\${${exprSource}}: "this" is only defined inside a resource`);
      if (second === 'name') return res;
      if (second === 'access') return lookup(['access'], at, exprSource);
      if (second === 'props') {
        const target = ['resources', res, 'props', ...segments.slice(2)];
        refuseUnresolvedThis(target, at, exprSource);
        return lookup(target, at, exprSource);
      }
      throw fail(at, `\${${exprSource}}: supported are this.props.*, this.name and this.access`);
    }
    if (head === 'resources' || head === 'components') {
      const name = String(second);
      if (head === 'components' && third === 'props') {
        // s reads components.<name>.props from a top-level `components:` block (s 1.x/2.x), not from resources.
        throw fail(
          at,
          `\${${exprSource}}: s does not resolve components.<name>.props (s preview: "\${${exprSource}} not found"); use \${${['resources', ...segments.slice(1)].join('.')}}`,
        );
      }
      if (third === 'output' || third === 'info') {
        throw fail(
          at,
          `\${${exprSource}} is a deploy result of ${name}: it exists only in the cloud after \`s deploy\`, so the local stack cannot resolve it. Compute the value from vars and config('AccountID') instead`,
        );
      }
      const res = currentResource(at);
      if (!res) {
        throw fail(
          at,
          `\${${exprSource}}: s resolves vars before the resources, so vars cannot refer to a resource (s preview: "\${${exprSource}} not found"); write the value in vars, or refer to the resource from the resource that needs it`,
        );
      }
      if (third === 'props') {
        const target = ['resources', name, 'props', ...rest];
        const names = resourceNames();
        if (names.indexOf(name) >= names.indexOf(res)) refuseUnresolvedThis(target, at, exprSource);
        return lookup(target, at, exprSource);
      }
      throw fail(at, `\${${exprSource}}: expected resources.<name>.props.<key>`);
    }
    throw fail(
      at,
      `\${${exprSource}}: unknown variable "${String(head)}" (supported: vars, this, resources, path(), env(), config(), file(), json())`,
    );
  };

  const evalExpr = (expr: Expr, exprSource: string, at: NodePath): unknown => {
    if (expr.kind === 'literal') return expr.value;
    if (expr.kind === 'ref') return evalRef(expr.segments, exprSource, at);
    const arg = (i: number): unknown => {
      const a = expr.args[i];
      if (a === undefined) return undefined;
      // s 3 reads a bare env(X) as an undefined variable X, not as the name "X".
      if (a.kind === 'ref' && a.segments.length === 1) {
        throw fail(
          at,
          `\${${exprSource}}: quote the name: ${expr.name}('${String(a.segments[0])}')`,
        );
      }
      return evalExpr(a, exprSource, at);
    };
    const stringArg = (i: number): string => {
      const v = arg(i);
      if (typeof v !== 'string')
        throw fail(at, `\${${exprSource}}: argument ${i + 1} must be a string`);
      return v;
    };
    switch (expr.name) {
      case 'path': {
        // Like s, which fails with "path value not found" for a missing file.
        const target = resolvePath(envr.baseDir, stringArg(0));
        if (!existsSync(target)) throw fail(at, `\${${exprSource}}: ${target} does not exist`);
        return target;
      }
      case 'env': {
        const name = stringArg(0);
        // As s: a variable set to "" counts as unset (its default applies).
        const set = envr.env[name];
        const value = set === undefined || set === '' ? arg(1) : set;
        if (value === undefined) {
          throw fail(
            at,
            `\${${exprSource}}: environment variable ${name} is not set and has no default`,
          );
        }
        return value;
      }
      case 'config': {
        const key = stringArg(0);
        if (key === 'AccountID') return envr.accountId;
        throw fail(at, `\${${exprSource}}: only config('AccountID') is available locally`);
      }
      case 'file': {
        const file = resolvePath(envr.baseDir, stringArg(0));
        try {
          return readFileSync(file, 'utf8');
        } catch {
          throw fail(at, `\${${exprSource}}: cannot read ${file}`);
        }
      }
      case 'json': {
        // Outside the try: a non-string argument has its own error, not "not valid JSON".
        const text = stringArg(0);
        try {
          return JSON.parse(text);
        } catch (e) {
          throw fail(at, `\${${exprSource}}: not valid JSON (${(e as Error).message})`);
        }
      }
      default:
        throw fail(
          at,
          `\${${exprSource}}: unknown function ${expr.name}() (supported: path, env, config, file, json)`,
        );
    }
  };

  return { resolve: (path) => lookup(path, path, formatPath(path), true) };
}
