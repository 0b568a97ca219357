import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { createFdlJsonSchema } from '../../../shared/fdl';

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
});
