// The model's own reading of FDL data flow (fdl-fnf.md §3, docs/fdl.md "Mappings" and
// "Conditions"), for the subset the generator writes. Written from the reference: it shares
// no code with shared/fdl, which the engine uses.
import type { Json, JsonObject, Mapping } from '../../../shared/fdl/types';

/** The roots a mapping source may name. */
export interface Roots {
  input: Json;
  local: Json;
  context?: JsonObject;
}

const MISSING = Symbol('missing');
type Found = Json | typeof MISSING;

/** The segments of `.a.b[0][*]`: a key, an index, or `*`. */
function segments(rest: string): Array<string | number> {
  const out: Array<string | number> = [];
  const re = /\.([A-Za-z0-9_-]+)|\[(\d+)\]|\[\*\]/g;
  for (let m = re.exec(rest); m; m = re.exec(rest)) {
    if (m[1] !== undefined) out.push(m[1]);
    else if (m[2] !== undefined) out.push(Number(m[2]));
    else out.push('*');
  }
  return out;
}

/** Follows `segs` from `value`; with a `*`, every match, flattened, missing ones skipped. */
function follow(value: Json, segs: Array<string | number>): { found: Found; many: boolean } {
  let cur: Json[] = [value];
  let many = false;
  for (const seg of segs) {
    const next: Json[] = [];
    for (const v of cur) {
      if (seg === '*') {
        many = true;
        if (Array.isArray(v)) next.push(...v);
        else if (v && typeof v === 'object') next.push(...Object.values(v));
      } else if (typeof seg === 'number') {
        if (Array.isArray(v) && seg < v.length) next.push(v[seg] as Json);
      } else if (v && typeof v === 'object' && !Array.isArray(v) && seg in v) {
        next.push(v[seg] as Json);
      }
    }
    cur = next;
  }
  if (many) return { found: cur, many };
  return { found: cur.length > 0 ? (cur[0] as Json) : MISSING, many };
}

/** A source's value, or MISSING: `$input…`, `$local…`, `$context…` are paths, the rest constants. */
function sourceValue(source: Json, roots: Roots): Found {
  if (typeof source !== 'string') return source;
  const m = /^\$(input|local|context)(?=$|[.[])(.*)$/.exec(source);
  if (!m) return source;
  const root =
    m[1] === 'input' ? roots.input : m[1] === 'local' ? roots.local : (roots.context ?? {});
  return follow(root, segments(m[2] ?? '')).found;
}

/** The object `mappings` build: a key whose source path matches nothing is left out. */
export function mapObject(mappings: readonly Mapping[], roots: Roots): JsonObject {
  const out: JsonObject = {};
  for (const m of mappings) {
    const v = sourceValue(m.source, roots);
    if (v !== MISSING) out[m.target] = v;
  }
  return out;
}

/** A `$.a.b` path into a step's input, for foreach collections. */
export function stepInputPath(input: JsonObject, path: string): Json | undefined {
  const r = follow(input, segments(path.slice(1)));
  return r.found === MISSING ? undefined : r.found;
}

/** Truthiness in conditions: false, null, missing, 0, NaN and "" are false. */
const truthy = (v: Json | undefined) =>
  !(v === undefined || v === null || v === false || v === 0 || v === '' || Number.isNaN(v));

function operand(text: string, input: JsonObject): Json | undefined {
  const t = text.trim();
  if (t.startsWith('$')) return stepInputPath(input, t) ?? null;
  return JSON.parse(t) as Json;
}

function compare(left: Json | undefined, op: string, right: Json | undefined): boolean {
  if (op === '==') return JSON.stringify(left) === JSON.stringify(right);
  if (op === '!=') return JSON.stringify(left) !== JSON.stringify(right);
  const both =
    (typeof left === 'number' && typeof right === 'number') ||
    (typeof left === 'string' && typeof right === 'string');
  if (!both) return false;
  const [a, b] = [left as number | string, right as number | string];
  return op === '<' ? a < b : op === '<=' ? a <= b : op === '>' ? a > b : a >= b;
}

/**
 * A choice condition over the step input: `||` of `&&` of comparisons or bare paths, with no
 * parentheses or `!` (the generator writes no others). A missing path reads as null.
 */
export function evaluateCondition(text: string, input: JsonObject): boolean {
  return text.split('||').some((conj) =>
    conj.split('&&').every((term) => {
      const m = /^(.*?)(==|!=|<=|>=|<|>)(.*)$/.exec(term);
      if (!m) return truthy(operand(term, input));
      return compare(operand(m[1] ?? '', input), m[2] ?? '', operand(m[3] ?? '', input));
    }),
  );
}
