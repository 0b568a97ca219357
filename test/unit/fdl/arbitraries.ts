// fast-check generators of valid FDL v1 flows, shared by the property tests.
import fc from 'fast-check';
import {
  classifySource,
  type Flow,
  type Json,
  type Mapping,
  type RetryPolicy,
  type Step,
  type TaskPattern,
} from '../../../shared/fdl';

const name = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_-]{0,12}$/);
const key = fc.stringMatching(/^[a-z][a-z0-9_]{0,8}$/);
const path = (root: string) =>
  fc
    .array(
      fc.oneof(
        key.map((k) => `.${k}`),
        fc.nat(5).map((n) => `[${n}]`),
        fc.constant('[*]'),
      ),
      {
        maxLength: 3,
      },
    )
    .map((segments) => root + segments.join(''));

/** Constants that are not mistaken for paths, so they round-trip as themselves. */
const constant: fc.Arbitrary<Json> = fc
  .jsonValue({ maxDepth: 2 })
  .filter(
    (v) =>
      classifySource(v as Json) === 'constant' && !(typeof v === 'string' && v.startsWith('$')),
  )
  .map((v) => v as Json);

const source: fc.Arbitrary<Json> = fc.oneof(
  path('$input'),
  path('$local'),
  fc.constantFrom('$context.execution.name', '$context.flow.name'),
  path('$'),
  constant,
);

const mappings: fc.Arbitrary<Mapping[]> = fc
  .uniqueArray(key, { maxLength: 3 })
  .chain((targets) =>
    fc.tuple(...targets.map((target) => source.map((s) => ({ target, source: s })))),
  )
  .map((list) => [...list]);

const condition = fc.oneof(
  fc.constant('$.a == "x"'),
  fc.constant('$.has_more && ($.n >= 4000 || $.total >= $.limit)'),
  fc.constant('!$.done || $.x != null'),
  key.map((k) => `$.${k}`),
);

const retry: fc.Arbitrary<RetryPolicy> = fc.record(
  {
    errors: fc.constantFrom(['FnF.TaskTimeout'], ['FC.Unknown', 'FC.ResourceThrottled']),
    intervalSeconds: fc.integer({ min: 1, max: 86_400 }),
    maxIntervalSeconds: fc.integer({ min: 86_400, max: 86_400 }),
    maxAttempts: fc.integer({ min: 0, max: 20 }),
    multiplier: fc.double({ min: 1, max: 5, noNaN: true }),
  },
  { requiredKeys: ['errors'] },
);

type StepShape = (name: string, siblings: string[], depth: number) => fc.Arbitrary<Step>;

function optional<T extends object>(arb: fc.Arbitrary<T>): fc.Arbitrary<Partial<T>> {
  return fc.option(arb, { nil: undefined }).map((v) => v ?? {});
}

const common = fc.record(
  { inputMappings: mappings, outputMappings: mappings },
  { requiredKeys: [] },
);

const arnAndPattern: fc.Arbitrary<{ resourceArn: string; pattern?: TaskPattern }> = fc.oneof(
  fc.record({
    resourceArn: fc
      .stringMatching(/^[a-z][a-z0-9-]{0,8}$/)
      .map((q) => `acs:mns:::/queues/${q}/messages`),
    pattern: fc.constantFrom<TaskPattern>('requestResponse'),
  }),
  fc.record({ resourceArn: key.map((f) => `acs:fc:::services/svc/functions/${f}`) }),
  fc.record({
    resourceArn: key.map((f) => `acs:fnf:::flow/${f}`),
    pattern: fc.constantFrom<TaskPattern>('sync', 'requestResponse'),
  }),
);

const task: StepShape = (stepName, siblings) =>
  fc
    .tuple(
      common,
      arnAndPattern,
      optional(fc.record({ timeoutSeconds: fc.integer({ min: 1, max: 3600 }) })),
      optional(fc.record({ retry: fc.array(retry, { minLength: 1, maxLength: 1 }) })),
      optional(
        fc.record({
          catch: fc.constantFrom(...siblings).map((goto) => [{ errors: ['FnF.ALL'], goto }]),
          errorMappings: fc.constant<Mapping[]>([{ target: 'err', source: '$local.error' }]),
        }),
      ),
      optional(fc.record({ serviceParams: fc.constant({ Input: '$', ExecutionName: '$.name' }) })),
    )
    .map(([c, arn, t, r, k, sp]) => {
      const step: Step = { type: 'task', name: stepName, ...c, ...arn, ...t, ...r, ...k };
      if (arn.resourceArn.startsWith('acs:fnf')) Object.assign(step, sp);
      return step;
    });

function stepArb(depth: number): StepShape {
  return (stepName, siblings) => {
    const leaves: fc.Arbitrary<Step>[] = [
      task(stepName, siblings, depth),
      common.map((c) => ({ type: 'pass' as const, name: stepName, ...c })),
      fc
        .oneof(
          fc.integer({ min: 0, max: 172_800 }).map((duration) => ({ duration })),
          fc.constant({ duration: '$.sleep' }),
          fc.constant({ timestamp: '2019-05-02T15:04:05Z' }),
        )
        .map((w) => ({ type: 'wait' as const, name: stepName, ...w })),
      fc.constant({ type: 'succeed' as const, name: stepName }),
      fc
        .record({ error: key, cause: fc.string({ maxLength: 20 }) }, { requiredKeys: [] })
        .map((f) => ({ type: 'fail' as const, name: stepName, ...f })),
    ];
    if (depth >= 2) return fc.oneof(...leaves);
    const nested = stepList(depth + 1);
    return fc.oneof(
      ...leaves,
      fc
        .tuple(
          fc.array(
            fc.record(
              { condition, steps: nested, goto: fc.constantFrom(...siblings) },
              { requiredKeys: ['condition'] },
            ),
            { minLength: 1, maxLength: 2 },
          ),
          fc.option(
            fc.record({ steps: nested, goto: fc.constantFrom(...siblings) }, { requiredKeys: [] }),
            { nil: undefined },
          ),
        )
        .map(([choices, def]) => ({
          type: 'choice' as const,
          name: stepName,
          choices,
          ...(def === undefined ? {} : { default: def }),
        })),
      fc
        .array(
          nested.filter((s) => s.length > 0),
          { minLength: 1, maxLength: 2 },
        )
        .map((branches) => ({
          type: 'parallel' as const,
          name: stepName,
          branches: branches.map((steps) => ({ steps })),
        })),
      fc
        .tuple(
          nested.filter((s) => s.length > 0),
          fc.boolean(),
        )
        .map(([steps, withIndex]) => ({
          type: 'foreach' as const,
          name: stepName,
          iterationMapping: {
            collection: '$.items',
            item: 'item',
            ...(withIndex ? { index: 'i' } : {}),
          },
          steps,
        })),
    );
  };
}

function stepList(depth: number): fc.Arbitrary<Step[]> {
  return fc
    .uniqueArray(name, { minLength: 1, maxLength: 3 })
    .chain((names) =>
      fc.tuple(...names.map((n) => stepArb(depth)(n, names, depth))).map((s) => [...s]),
    );
}

/** Valid flows: unique sibling names, gotos among siblings, values in range. */
export const validFlow: fc.Arbitrary<Flow> = fc
  .tuple(
    fc.constantFrom<Flow['version']>('v1', 'v1beta1', 'v1.0'),
    stepList(0),
    fc.record(
      {
        name,
        timeoutSeconds: fc.integer({ min: 1, max: 31_536_000 }),
        inputMappings: mappings,
        outputMappings: mappings,
      },
      { requiredKeys: [] },
    ),
  )
  .map(([version, steps, extra]) => {
    // fast-check builds some records without a prototype; a clone gives plain objects.
    const f: Flow = { version, type: 'flow', ...extra, steps };
    return structuredClone(f);
  });
