import { Document, isScalar, Scalar, visit } from 'yaml';
import { YAML11_NOT_STRING } from './schema';
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
  const doc = new Document(order(flow as unknown as Json, FLOW_ORDER), {
    aliasDuplicateObjects: false,
  });
  // The service may read FDL as YAML 1.1, where yes/no/on/off, 1_000 or 12:30 are not strings:
  // quote such strings so both YAML versions read the same value.
  visit(doc, {
    Scalar(_key, node) {
      if (isScalar(node) && typeof node.value === 'string' && readsDifferentlyIn11(node.value)) {
        node.type = Scalar.QUOTE_DOUBLE;
      }
    },
  });
  return doc.toString({ lineWidth: 0, indent: 2, indentSeq: true });
}

function readsDifferentlyIn11(text: string): boolean {
  return YAML11_NOT_STRING.test(text);
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
