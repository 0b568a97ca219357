import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import {
  applyMappings,
  emitFlow,
  evaluateCondition,
  parseCondition,
  parseFlow,
  validateFlow,
} from '../../../shared/fdl';
import { validFlow } from './arbitraries';

const DEMO = `version: v1
type: flow
steps:
  - type: task
    name: Task_1
    resourceArn: acs:mns:::/queues/fnf-demo/messages
    pattern: waitForCallback
    inputMappings:
      - target: task_token
        source: $context.task.token
    serviceParams:
      MessageBody: $
      Priority: 1
`;

function expectWellFormed(result: ReturnType<typeof parseFlow>): void {
  const hasError = result.problems.some((p) => p.severity === 'error');
  expect(result.flow === undefined).toBe(hasError);
  for (const p of result.problems) {
    expect(p.line).toBeGreaterThanOrEqual(1);
    expect(p.column).toBeGreaterThanOrEqual(1);
    expect(typeof p.message).toBe('string');
  }
}

describe('properties', () => {
  it('gives back the same flow from parse(emit(flow)) for generated valid flows', () => {
    fc.assert(
      fc.property(validFlow, (flow) => {
        expect(validateFlow(flow).filter((p) => p.severity === 'error')).toEqual([]);
        const text = emitFlow(flow);
        const parsed = parseFlow(text);
        expect(parsed.problems.filter((p) => p.severity === 'error')).toEqual([]);
        expect(parsed.flow).toStrictEqual(flow);
      }),
      { numRuns: 150 },
    );
  });

  it('never throws on arbitrary text and reports located problems', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 400 }), (text) => {
        expectWellFormed(parseFlow(text));
      }),
      { numRuns: 500 },
    );
  });

  it('never throws on random bytes decoded as text', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
        expectWellFormed(parseFlow(new TextDecoder().decode(bytes)));
        expectWellFormed(parseFlow(Buffer.from(bytes).toString('latin1')));
      }),
      { numRuns: 300 },
    );
  });

  it('never throws on random YAML documents of any shape', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (value) => {
        expectWellFormed(parseFlow(stringify(value)));
        expectWellFormed(parseFlow(stringify({ version: 'v1', type: 'flow', steps: value })));
        expectWellFormed(parseFlow(stringify({ version: 'v1', type: 'flow', steps: [value] })));
      }),
      { numRuns: 150 },
    );
  });

  it('never throws from validateFlow on malformed objects passed as flows', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), fc.jsonValue({ maxDepth: 3 }), (a, b) => {
        const steps = [
          a,
          { type: 'task', name: 't', ...(b as object) },
          { type: 'choice', name: 'c', choices: a, default: b },
          { type: 'parallel', name: 'p', branches: a },
          { type: 'foreach', name: 'f', iterationMapping: b, steps: a },
          { type: 'wait', name: 'w', duration: a, timestamp: b },
        ];
        for (const candidate of [
          a,
          { version: 'v1', type: 'flow', steps: a },
          { version: 'v1', type: 'flow', steps },
        ]) {
          const problems = validateFlow(candidate as never);
          // The catch-all in validateFlow must stay unused: every check copes with bad shapes.
          expect(
            problems.filter((p) => p.message.startsWith('the flow object is malformed')),
          ).toEqual([]);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('never throws when a valid flow is cut or has characters deleted', () => {
    fc.assert(
      fc.property(fc.nat(DEMO.length), fc.nat(DEMO.length), (a, b) => {
        const [from, to] = a < b ? [a, b] : [b, a];
        expectWellFormed(parseFlow(DEMO.slice(0, from)));
        expectWellFormed(parseFlow(DEMO.slice(0, from) + DEMO.slice(to)));
      }),
      { numRuns: 300 },
    );
  });

  it('parses any string as a condition or returns a message with an offset inside it', () => {
    const pieces = fc.constantFrom(
      '$.a',
      '$.b[0]',
      '$.c[*].d',
      '==',
      '!=',
      '<',
      '>=',
      '&&',
      '||',
      '!',
      '(',
      ')',
      '"x"',
      '`y`',
      '1',
      '-2.5',
      'true',
      'null',
      ' ',
      "'",
      '=',
      '&',
    );
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 40 }),
          fc.array(pieces, { maxLength: 12 }).map((p) => p.join('')),
        ),
        fc.jsonValue({ maxDepth: 3 }),
        (text, input) => {
          const parsed = parseCondition(text);
          if (parsed.ok) {
            expect(typeof evaluateCondition(parsed.ast, input as never)).toBe('boolean');
          } else {
            expect(parsed.offset).toBeGreaterThanOrEqual(0);
            expect(parsed.offset).toBeLessThanOrEqual(text.length);
          }
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('applies generated mappings of valid flows to any input without throwing', () => {
    fc.assert(
      fc.property(validFlow, fc.jsonValue({ maxDepth: 3 }), (flow, input) => {
        for (const m of [flow.inputMappings ?? [], flow.outputMappings ?? []]) {
          const out = applyMappings(m, { input: input as never, local: {}, context: {} });
          expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
        }
      }),
      { numRuns: 100 },
    );
  });
});
