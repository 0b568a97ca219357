// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the strings are s.yaml's own ${...} syntax
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadProject } from '../../../local/project/load';
import { projectErrorOf, projectFolders, workerSpec } from '../../support/project-files';

// What fc3, the flow component and ROS do with s.yaml settings the local stack
// used to pass over in silence: it warns where `s deploy` would refuse, and
// follows what the cloud follows (async retries, a queue's own DlqPolicy).
const folders = projectFolders('queueflow-fidelity-');

const queueTemplate = (...resources: Array<[string, Record<string, unknown>]>) => ({
  ROSTemplateFormatVersion: '2015-09-01',
  Resources: Object.fromEntries(
    resources.map(([id, props]) => [id, { Type: 'ALIYUN::MNS::Queue', Properties: props }]),
  ),
});
const JOBS = queueTemplate(['Jobs', { QueueName: 'jobs' }]);

const load = (spec: unknown, ros: unknown = JOBS) =>
  loadProject(folders.write(spec, { ros }), { env: {} });
const loadError = (spec: unknown, ros: unknown = JOBS) => projectErrorOf(() => load(spec, ros));
const worker = (props: Record<string, unknown>) => workerSpec({ props, infra: true });

describe('fc3 props outside its schema', () => {
  it('warns about a memorySize fc3 refuses, and runs the function', () => {
    for (const memorySize of [100, 40000, 200]) {
      const p = load(worker({ memorySize }));
      expect(p.functions[0]?.memorySize).toBe(memorySize);
      expect(p.warnings).toEqual([
        `worker: memorySize ${memorySize} is not one fc3 deploys (a multiple of 64 from 128 to 32768): \`s deploy\` would refuse it; it runs here (memory is not enforced locally)`,
      ]);
    }
    for (const memorySize of [128, 512, 32768]) {
      expect(load(worker({ memorySize })).warnings, String(memorySize)).toBeUndefined();
    }
    expect(loadError(worker({ memorySize: 0 })).detail).toBe('must be >= 1, got 0');
  });

  it('warns about environment values that are not strings, and passes them as text', () => {
    const p = load(
      worker({ environmentVariables: { WAIT: 20, DEBUG: true, EMPTY: null, NAME: 'x' } }),
    );
    expect(p.functions[0]?.environment).toEqual({
      WAIT: '20',
      DEBUG: 'true',
      EMPTY: '',
      NAME: 'x',
    });
    expect(p.warnings).toEqual([
      'worker: environmentVariables WAIT, DEBUG, EMPTY are not strings: fc3 takes strings only, so `s deploy` would refuse them; quote the value (LIMIT: "3"). They run here as text',
    ]);
  });
});

describe('asyncInvokeConfig', () => {
  it('gives the function its retries and maximum event age', () => {
    const p = load(
      worker({ asyncInvokeConfig: { maxAsyncRetryAttempts: 0, maxAsyncEventAgeInSeconds: 60 } }),
    );
    expect(p.functions[0]?.asyncInvoke).toEqual({ maxRetries: 0, maxEventAgeSeconds: 60 });
    expect(p.warnings).toBeUndefined();
  });

  it("fills in FC's defaults for what it leaves out, and is absent without it", () => {
    const p = load(worker({ asyncInvokeConfig: { maxAsyncRetryAttempts: 8 } }));
    expect(p.functions[0]?.asyncInvoke).toEqual({ maxRetries: 8, maxEventAgeSeconds: 86400 });
    expect(load(worker({})).functions[0]?.asyncInvoke).toBeUndefined();
  });

  it("refuses values outside fc3's schema, where they are", () => {
    const err = loadError(worker({ asyncInvokeConfig: { maxAsyncRetryAttempts: 9 } }));
    expect(err.path).toBe('resources.worker.props.asyncInvokeConfig.maxAsyncRetryAttempts');
    expect(err.detail).toBe('must be <= 8, got 9');
    expect(loadError(worker({ asyncInvokeConfig: { maxAsyncEventAgeInSeconds: 0 } })).detail).toBe(
      'must be >= 1, got 0',
    );
  });

  it('warns that destinations and async tasks are not applied', () => {
    const p = load(
      worker({
        asyncInvokeConfig: {
          asyncTask: true,
          destinationConfig: { onFailure: { destination: 'acs:mns:cn-hangzhou:1:/queues/f' } },
        },
      }),
    );
    expect(p.warnings).toEqual([
      'worker: asyncInvokeConfig.destinationConfig onFailure is not applied locally: async results go nowhere',
      'worker: asyncInvokeConfig.asyncTask is not applied locally: async invocations run without task states (no GetAsyncTask, no StopAsyncTask)',
    ]);
  });
});

describe('ROS DlqPolicy', () => {
  const dlqPolicy = (policy: Record<string, unknown>) =>
    queueTemplate(
      ['Jobs', { QueueName: 'jobs', VisibilityTimeout: 1, DlqPolicy: policy }],
      ['JobsDlq', { QueueName: 'jobs-dlq', MessageRetentionPeriod: 604800 }],
    );
  const ENABLED = { Enabled: true, DeadLetterTargetQueue: 'jobs-dlq', MaxReceiveCount: 2 };

  it('gives the queue its dead-letter queue, created before it though declared after', () => {
    const p = load(worker({}), dlqPolicy(ENABLED));
    expect(p.queues).toEqual([
      { name: 'jobs-dlq', attributes: { MessageRetentionPeriod: 604800 }, region: 'cn-hangzhou' },
      {
        name: 'jobs',
        attributes: { VisibilityTimeout: 1, DeadLetterQueue: 'jobs-dlq', MaxReceiveCount: 2 },
        region: 'cn-hangzhou',
      },
    ]);
    expect(p.warnings).toBeUndefined();
  });

  it('removes the dead-letter queue when Enabled is false', () => {
    const p = load(worker({}), dlqPolicy({ ...ENABLED, Enabled: false }));
    expect(p.queues.map((q) => [q.name, q.attributes.DeadLetterQueue])).toEqual([
      ['jobs', null],
      ['jobs-dlq', undefined],
    ]);
  });

  it('refuses a policy without its receive count, or naming its own queue', () => {
    const { MaxReceiveCount: _, ...noCount } = ENABLED;
    const err = loadError(worker({}), dlqPolicy(noCount));
    expect(err.message).toMatch(
      /^infra\/ros\.yaml: Resources\.Jobs\.Properties\.DlqPolicy\.MaxReceiveCount: is required \(an integer\) \(line \d+\)$/,
    );
    expect(
      loadError(worker({}), dlqPolicy({ ...ENABLED, DeadLetterTargetQueue: 'jobs' })).detail,
    ).toBe('a queue cannot be its own dead-letter queue (jobs); name another queue');
  });

  it('warns about a dead-letter queue no template declares', () => {
    const ros = queueTemplate([
      'Jobs',
      { QueueName: 'jobs', DlqPolicy: { ...ENABLED, DeadLetterTargetQueue: 'made-by-hand' } },
    ]);
    expect(load(worker({}), ros).warnings).toEqual([
      'queue jobs: DlqPolicy DeadLetterTargetQueue made-by-hand is a queue no ros resource declares: the cloud needs it to exist already; locally it is created with default attributes',
    ]);
  });
});

describe('flows', () => {
  /** The worker project plus a flow in `region` whose definition is `fdl`. */
  const withFlow = (region: string, fdl: string) => {
    const spec = worker({});
    spec.resources.workflow = {
      component: 'flow',
      props: { region, name: 'demo', definition: "${path('./flows/main.flow.yaml')}" },
    };
    const file = folders.write(spec, { ros: JOBS, flow: true });
    writeFileSync(join(dirname(file), 'flows/main.flow.yaml'), fdl);
    return loadProject(file, { env: {} });
  };
  const sendsTo = (arn: string) =>
    `version: v1\ntype: flow\nsteps:\n  - type: pass\n    name: start\n  - type: task\n    name: send\n    resourceArn: ${arn}\n    serviceParams:\n      MessageBody: $\n`;
  const NO_REGION = 'acs:mns:::/queues/jobs/messages';

  it('warns about a region the flow component does not deploy to', () => {
    expect(
      withFlow('cn-chengdu', sendsTo('acs:mns:cn-hangzhou::/queues/jobs/messages')).warnings,
    ).toEqual([
      'workflow: region cn-chengdu is not one the flow component deploys to (cn-beijing, cn-hangzhou, cn-shanghai, cn-qingdao, cn-shenzhen, ap-southeast-1, us-west-1, cn-heyuan-acdr-1): `s deploy` would stop there; the flow runs here',
    ]);
  });

  it('warns about a step sending to a queue the ROS stack creates in another region', () => {
    expect(withFlow('cn-shanghai', sendsTo(NO_REGION)).warnings).toEqual([
      "workflow: flows/main.flow.yaml steps[1] (line 8): sends to queue jobs in cn-shanghai (its resourceArn names no region, so the flow's own), but the ROS stack creates it in cn-hangzhou: in the cloud the step would find no queue",
    ]);
    expect(
      withFlow('cn-hangzhou', sendsTo('acs:mns:cn-beijing::/queues/jobs/messages')).warnings?.[0],
    ).toMatch(/sends to queue jobs in cn-beijing \(its resourceArn names cn-beijing\)/);
    // Not when the step sends where the queue is.
    expect(withFlow('cn-hangzhou', sendsTo(NO_REGION)).warnings).toBeUndefined();
    expect(
      withFlow('cn-shanghai', sendsTo('acs:mns:cn-hangzhou::/queues/jobs/messages')).warnings,
    ).toBeUndefined();
  });
});
