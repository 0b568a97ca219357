// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the strings are s.yaml's own ${...} syntax
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import Ajv from 'ajv';
import { describe, expect, it } from 'vitest';
import type {
  Fc3HttpTriggerConfig,
  Fc3MnsQueueTriggerConfig,
  Fc3Props,
} from '../../../local/project/fc3-props';
import { resolveSpec } from '../../../local/project/spec';

const root = resolve(import.meta.dirname, '../../..');
const schema = JSON.parse(
  readFileSync(resolve(root, 'test/fixtures/fc3-schema/fc3-props.schema.json'), 'utf8'),
);
const validate = new Ajv({ allErrors: true, strict: false }).compile<Fc3Props>(schema);

/** The fc3 resources of the project's s.yaml, as `s` would pass them to fc3. */
function fc3Resources() {
  const spec = resolveSpec(resolve(root, 's.yaml'), {
    accountId: '1234567890123456',
    env: {},
  });
  return spec.resources.filter((r) => r.kind === 'fc3');
}

const errorsOf = (props: unknown) =>
  validate(props) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);

const clone = <T>(v: T): T => structuredClone(v);

describe('the fc3 resources of s.yaml', () => {
  it('are the task-worker and start-flow functions', () => {
    expect(fc3Resources().map((r) => r.name)).toEqual(['task-worker', 'start-flow']);
  });

  it.each(['task-worker', 'start-flow'])('%s props validate against the fc3 schema', (name) => {
    const res = fc3Resources().find((r) => r.name === name);
    expect(errorsOf(res?.props)).toEqual([]);
  });

  it('reject a runtime fc3 does not offer and a timeout that is not an integer', () => {
    const props = clone(fc3Resources()[0]?.props) as Record<string, unknown>;
    props.runtime = 'nodejs22';
    props.timeout = 'sixty';
    const errors = errorsOf(props);
    expect(errors).toContain('/runtime must be equal to one of the allowed values');
    expect(errors).toContain('/timeout must be integer');
  });

  it('reject a misspelt key and a memory size that is not a multiple of 64', () => {
    const props = clone(fc3Resources()[0]?.props) as Record<string, unknown>;
    props.timeOut = 60;
    props.memorySize = 500;
    const errors = errorsOf(props);
    expect(errors).toContain(' must NOT have additional properties');
    expect(errors).toContain('/memorySize must be multiple of 64');
  });

  it('reject an eventbridge trigger without runOptions or with a ${functionName} filter', () => {
    const props = clone(fc3Resources()[0]?.props) as Fc3Props;
    const trigger = props.triggers?.[0];
    if (trigger?.triggerType !== 'eventbridge') throw new Error('expected the queue trigger first');
    const cfg = trigger.triggerConfig as Partial<Fc3MnsQueueTriggerConfig>;
    delete cfg.runOptions;
    cfg.eventRuleFilterPattern = '{"source":["MNS-${functionName}-tasks-queue"]}';
    const errors = errorsOf(props);
    expect(errors).toContain("/triggers/0/triggerConfig must have required property 'runOptions'");
    expect(errors).toContain('/triggers/0/triggerConfig/eventRuleFilterPattern must NOT be valid');
  });

  it('reject an http trigger with an unknown auth type and an unresolved role', () => {
    const props = clone(fc3Resources()[1]?.props) as Fc3Props;
    const trigger = props.triggers?.[0];
    if (trigger?.triggerType !== 'http') throw new Error('expected the http trigger');
    (trigger.triggerConfig as { authType: string }).authType = 'open';
    props.role = "acs:ram::${config('AccountID')}:role/x";
    const errors = errorsOf(props);
    expect(errors).toContain(
      '/triggers/0/triggerConfig/authType must be equal to one of the allowed values',
    );
    expect(errors.some((e) => e.startsWith('/role must match pattern'))).toBe(true);
  });
});

describe('the fc3 props types and the schema', () => {
  // `satisfies` makes tsc fail when a key is added to a type and not listed here.
  const propsKeys = {
    region: true,
    functionName: true,
    description: true,
    runtime: true,
    code: true,
    handler: true,
    memorySize: true,
    timeout: true,
    role: true,
    environmentVariables: true,
    internetAccess: true,
    logConfig: true,
    triggers: true,
  } satisfies Record<keyof Fc3Props, true>;
  const httpKeys = {
    authType: true,
    methods: true,
    disableURLInternet: true,
  } satisfies Record<keyof Fc3HttpTriggerConfig, true>;
  const mnsKeys = {
    triggerEnable: true,
    asyncInvocationType: true,
    eventRuleFilterPattern: true,
    eventSourceConfig: true,
    eventSinkConfig: true,
    runOptions: true,
  } satisfies Record<keyof Fc3MnsQueueTriggerConfig, true>;

  it('name the same props', () => {
    expect(Object.keys(schema.properties).sort()).toEqual(Object.keys(propsKeys).sort());
  });

  it('name the same trigger config keys', () => {
    expect(Object.keys(schema.definitions.httpTriggerConfig.properties).sort()).toEqual(
      Object.keys(httpKeys).sort(),
    );
    expect(Object.keys(schema.definitions.mnsQueueTriggerConfig.properties).sort()).toEqual(
      Object.keys(mnsKeys).sort(),
    );
  });
});
