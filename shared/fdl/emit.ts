import { stringify } from 'yaml';
import type { Flow, Json, Step } from './types';

const FLOW_ORDER = [
  'version',
  'type',
  'name',
  'timeoutSeconds',
  'inputMappings',
  'steps',
  'outputMappings',
];
const STEP_ORDER = [
  'type',
  'name',
  'resourceArn',
  'action',
  'pattern',
  'timeoutSeconds',
  'iterationMapping',
  'duration',
  'timestamp',
  'error',
  'cause',
  'inputMappings',
  'serviceParams',
  'choices',
  'default',
  'branches',
  'steps',
  'retry',
  'catch',
  'errorMappings',
  'outputMappings',
  'end',
];

/**
 * Writes a Flow as FDL YAML with fields in a stable, readable order.
 * `parseFlow(emitFlow(f)).flow` deep-equals `f` for a valid flow.
 * @example emitFlow({ version: 'v1', type: 'flow', steps: [{ type: 'pass', name: 'a' }] })
 */
export function emitFlow(flow: Flow): string {
  return stringify(order(flow as unknown as Json, FLOW_ORDER), {
    lineWidth: 0,
    indent: 2,
    indentSeq: true,
    aliasDuplicateObjects: false,
  });
}

function order(value: Json, keys: readonly string[]): Json {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const out: { [k: string]: Json } = {};
  const put = (k: string) => {
    const v = value[k];
    if (v === undefined) return;
    out[k] = k === 'steps' ? (v as unknown as Step[]).map((s) => orderStep(s)) : orderNested(k, v);
  };
  for (const k of keys) if (Object.hasOwn(value, k)) put(k);
  for (const k of Object.keys(value)) if (!keys.includes(k)) put(k);
  return out;
}

function orderStep(step: Step): Json {
  return order(step as unknown as Json, STEP_ORDER);
}

function orderNested(key: string, value: Json): Json {
  if (key === 'choices' && Array.isArray(value)) {
    return value.map((c) => order(c, ['condition', 'steps', 'goto']));
  }
  if (key === 'default') return order(value, ['steps', 'goto']);
  if (key === 'branches' && Array.isArray(value)) return value.map((b) => order(b, ['steps']));
  return value;
}
