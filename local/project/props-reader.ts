import type { ProjectError } from './errors';
import { isRecord, type NodePath, type YamlSource } from './yaml-source';

/** Reads typed, validated values out of one resolved props object, with located errors. */
export interface PropsReader {
  readonly path: NodePath;
  readonly value: Record<string, unknown>;
  has(key: string): boolean;
  string(key: string): string;
  optionalString(key: string): string | undefined;
  int(key: string, opts: { default?: number; min?: number; max?: number }): number;
  bool(key: string, fallback: boolean): boolean;
  /** A nested object; `required: false` gives an empty reader when absent. */
  object(key: string, required?: boolean): PropsReader;
  array(key: string, required?: boolean): unknown[];
  /** A map whose values are scalars, turned into strings (FC env vars). */
  stringMap(key: string): Record<string, string>;
  /** A located error at `key` (or at this object). */
  error(detail: string, key?: string | number): ProjectError;
}

/** A reader over `value`, which sits at `path` in `source`. */
export function createPropsReader(source: YamlSource, path: NodePath, value: unknown): PropsReader {
  if (!isRecord(value)) throw source.error(path, 'expected a mapping');
  const at = (key?: string | number) => (key === undefined ? path : [...path, key]);
  const error = (detail: string, key?: string | number) => source.error(at(key), detail);
  const get = (key: string) => value[key];
  const reader: PropsReader = {
    path,
    value,
    has: (key) => get(key) !== undefined && get(key) !== null,
    string(key) {
      const v = get(key);
      if (typeof v !== 'string' || v === '') {
        throw error(v === undefined ? 'is required (a string)' : 'must be a non-empty string', key);
      }
      return v;
    },
    optionalString(key) {
      const v = get(key);
      if (v === undefined || v === null) return undefined;
      if (typeof v !== 'string') throw error('must be a string', key);
      return v;
    },
    int(key, opts) {
      const raw = get(key);
      if (raw === undefined || raw === null) {
        if (opts.default === undefined) throw error('is required (an integer)', key);
        return opts.default;
      }
      const v = typeof raw === 'string' && /^-?\d+$/.test(raw.trim()) ? Number(raw) : raw;
      if (typeof v !== 'number' || !Number.isInteger(v)) {
        throw error(`must be an integer, got ${JSON.stringify(raw)}`, key);
      }
      if (opts.min !== undefined && v < opts.min)
        throw error(`must be >= ${opts.min}, got ${v}`, key);
      if (opts.max !== undefined && v > opts.max)
        throw error(`must be <= ${opts.max}, got ${v}`, key);
      return v;
    },
    bool(key, fallback) {
      const v = get(key);
      if (v === undefined || v === null) return fallback;
      if (typeof v === 'boolean') return v;
      if (v === 'true' || v === 'false') return v === 'true';
      throw error(`must be true or false, got ${JSON.stringify(v)}`, key);
    },
    object(key, required = true) {
      const v = get(key);
      if ((v === undefined || v === null) && !required)
        return createPropsReader(source, at(key), {});
      if (v === undefined) throw error('is required (a mapping)', key);
      return createPropsReader(source, at(key), v);
    },
    array(key, required = true) {
      const v = get(key);
      if ((v === undefined || v === null) && !required) return [];
      if (!Array.isArray(v))
        throw error(v === undefined ? 'is required (a list)' : 'must be a list', key);
      return v;
    },
    stringMap(key) {
      const v = get(key);
      if (v === undefined || v === null) return {};
      if (!isRecord(v)) throw error('must be a mapping of names to strings', key);
      const out: Record<string, string> = {};
      for (const [k, x] of Object.entries(v)) {
        if (typeof x === 'object' && x !== null) {
          throw source.error([...at(key), k], 'must be a string, number or boolean');
        }
        out[k] = x === null || x === undefined ? '' : String(x);
      }
      return out;
    },
    error,
  };
  return reader;
}
