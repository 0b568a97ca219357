import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { createFdlJsonSchema, STEP_FIELDS, STEP_TYPES } from '../../../shared/fdl';

const root = join(import.meta.dirname, '..', '..', '..');
const validate = new Ajv({ allErrors: false, strict: false }).compile(createFdlJsonSchema());
const load = (name: string) => parse(readFileSync(join(root, 'flows', name), 'utf8'));

describe('createFdlJsonSchema', () => {
  it('accepts the project flows', () => {
    for (const name of ['demo.flow.yaml', 'all-steps.flow.yaml']) {
      expect(validate(load(name)), JSON.stringify(validate.errors)).toBe(true);
    }
  });

  it('rejects unknown fields, unknown step types, a wait with both fields and missing names', () => {
    const base = { version: 'v1', type: 'flow' };
    const bad = [
      { ...base, steps: [{ type: 'pass', name: 'a', color: 'red' }] },
      { ...base, steps: [{ type: 'wiat', name: 'a' }] },
      {
        ...base,
        steps: [{ type: 'wait', name: 'w', duration: 1, timestamp: '2019-05-02T15:04:05Z' }],
      },
      { ...base, steps: [{ type: 'pass' }] },
      { ...base, version: 'v2', steps: [{ type: 'pass', name: 'a' }] },
      { ...base, steps: [] },
      { ...base, steps: [{ type: 'parallel', name: 'p', branches: [{ steps: [] }] }] },
    ];
    for (const doc of bad) expect(validate(doc), JSON.stringify(doc)).toBe(false);
  });

  it('allows exactly the fields parseFlow allows for each step type', () => {
    type Props = { properties: Record<string, { const?: string }> };
    const schema = createFdlJsonSchema() as unknown as {
      definitions: { step: { oneOf: Props[] } };
    };
    const byType = new Map(
      schema.definitions.step.oneOf.map((s) => [
        s.properties.type?.const,
        Object.keys(s.properties),
      ]),
    );
    for (const type of STEP_TYPES) {
      expect(byType.get(type)?.sort(), type).toEqual([...STEP_FIELDS[type]].sort());
    }
  });
});
