// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the strings are s.yaml's own ${...} syntax
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { LOCAL_ACCOUNT_ID } from '../../../local/credentials';
import { loadProject, type ProjectError } from '../../../local/project/load';
import type { Project } from '../../../local/project/model';
import { projectErrorOf, projectFolders } from '../../support/project-files';

const root = resolve(import.meta.dirname, '../../..');
const folders = projectFolders('queueflow-project-');

const ROS = {
  ROSTemplateFormatVersion: '2015-09-01',
  Parameters: {
    QueueName: { Type: 'String' },
    Visibility: { Type: 'Number', Default: 90 },
  },
  Resources: {
    Queue: {
      Type: 'ALIYUN::MNS::Queue',
      Properties: {
        QueueName: { Ref: 'QueueName' },
        VisibilityTimeout: { Ref: 'Visibility' },
        MaximumMessageSize: 2048,
      },
    },
    Other: { Type: 'ALIYUN::RAM::Role', Properties: { RoleName: 'r' } },
  },
};

/** A small s.yaml that uses every kind of variable loadProject resolves. */
// biome-ignore lint/suspicious/noExplicitAny: tests reach deep into the fixture to break one key
function baseSpec(): Record<string, any> {
  return {
    edition: '3.0.0',
    name: 'fixture',
    access: 'default',
    vars: { region: 'cn-shanghai', queue: 'jobs', prefix: "${env('PREFIX', 'fx')}" },
    resources: {
      infra: {
        component: 'ros',
        props: {
          region: '${vars.region}',
          name: 'infra',
          template: "${path('./infra/ros.yaml')}",
          parameters: { QueueName: '${vars.queue}' },
        },
      },
      flow: {
        component: 'flow',
        props: {
          region: '${vars.region}',
          name: '${vars.prefix}-flow',
          definition: "${path('./flows/main.flow.yaml')}",
          roleArn: "acs:ram::${config('AccountID')}:role/flow-role",
        },
      },
      worker: {
        component: 'fc3@0.1.22',
        props: {
          region: '${vars.region}',
          functionName: '${vars.prefix}-worker',
          runtime: 'nodejs20',
          code: './dist/worker',
          handler: 'index.handler',
          timeout: 45,
          environmentVariables: {
            SELF: '${this.props.functionName}',
            FLOW: '${resources.flow.props.name}',
            LIMIT: 3,
          },
          triggers: [
            {
              triggerName: 'q',
              triggerType: 'eventbridge',
              triggerConfig: {
                eventSourceConfig: {
                  eventSourceType: 'MNS',
                  eventSourceParameters: { sourceMNSParameters: { QueueName: '${vars.queue}' } },
                },
                eventSinkConfig: { deliveryOption: { mode: 'event-streaming' } },
                runOptions: { batchWindow: { CountBasedWindow: 4, TimeBasedWindow: 2 } },
              },
            },
            {
              triggerName: 'web',
              triggerType: 'http',
              triggerConfig: { authType: 'anonymous', methods: ['get', 'POST'] },
            },
          ],
        },
      },
    },
  };
}

const LIMIT_WARNING =
  'fx-worker: environmentVariables LIMIT is not a string: fc3 takes strings only, so `s deploy` would refuse it; quote the value (LIMIT: "3"). It runs here as text';

/** Writes s.yaml (an object or raw text), the ROS template and a flow file; returns the s.yaml path. */
function writeProject(spec: unknown, options: { ros?: unknown; flow?: boolean } = {}): string {
  return folders.write(spec, { ros: options.ros ?? ROS, flow: options.flow ?? true });
}

/** The ProjectError loadProject throws for this s.yaml. */
function loadError(spec: unknown, options?: Parameters<typeof writeProject>[1]): ProjectError {
  return projectErrorOf(() => loadProject(writeProject(spec, options), { env: {} }));
}

describe('loadProject on the project s.yaml', () => {
  it('gives the task queue and its dead-letter queue, the demo flow and the two functions the local stack runs', () => {
    const project = loadProject(resolve(root, 's.yaml'), { env: {} });
    const expected: Project = {
      file: resolve(root, 's.yaml'),
      name: 'queueflow',
      queues: [
        {
          name: 'queueflow-tasks',
          attributes: {
            DelaySeconds: 0,
            MaximumMessageSize: 65536,
            MessageRetentionPeriod: 345600,
            VisibilityTimeout: 120,
            PollingWaitSeconds: 0,
          },
          region: 'cn-hangzhou',
        },
        {
          name: 'queueflow-tasks-dlq',
          attributes: {
            DelaySeconds: 0,
            MaximumMessageSize: 65536,
            MessageRetentionPeriod: 604800,
            PollingWaitSeconds: 0,
          },
          region: 'cn-hangzhou',
        },
      ],
      flows: [
        {
          resource: 'workflow',
          name: 'queueflow-demo',
          definitionFile: resolve(root, 'flows/demo.flow.yaml'),
          roleArn: `acs:ram::${LOCAL_ACCOUNT_ID}:role/queueflow-flow-role`,
          description:
            'queueflow demo, three queue tasks with callbacks (managed by Serverless Devs)',
        },
      ],
      functions: [
        {
          resource: 'task-worker',
          name: 'task-worker',
          runtime: 'nodejs20',
          codeDir: resolve(root, 'dist/task-worker'),
          handler: 'index.handler',
          timeoutSeconds: 60,
          memorySize: 512,
          environment: {},
          role: `acs:ram::${LOCAL_ACCOUNT_ID}:role/queueflow-task-worker-role`,
          triggers: [
            {
              kind: 'mns-queue',
              triggerName: 'tasks-queue',
              queueName: 'queueflow-tasks',
              qualifier: 'LATEST',
              isBase64Decode: false,
              batchSize: 10,
              batchWindowSeconds: 0,
              mode: 'event-streaming',
              retry: {
                strategy: 'BACKOFF_RETRY',
                maxRetries: 3,
                maxEventAgeSeconds: 0,
                errorsTolerance: 'ALL',
                deadLetterQueue: 'queueflow-tasks-dlq',
              },
            },
          ],
        },
        {
          resource: 'start-flow',
          name: 'start-flow',
          runtime: 'nodejs20',
          codeDir: resolve(root, 'dist/start-flow'),
          handler: 'index.handler',
          timeoutSeconds: 30,
          memorySize: 512,
          environment: { FLOW_NAME: 'queueflow-demo' },
          role: `acs:ram::${LOCAL_ACCOUNT_ID}:role/queueflow-start-flow-role`,
          triggers: [
            {
              kind: 'http',
              triggerName: 'http',
              methods: ['POST'],
              authType: 'function',
              qualifier: 'LATEST',
            },
          ],
        },
      ],
    };
    expect(project).toEqual(expected);
  });

  it('puts the given account id into role ARNs', () => {
    const project = loadProject(resolve(root, 's.yaml'), { accountId: '42', env: {} });
    expect(project.flows[0]?.roleArn).toBe('acs:ram::42:role/queueflow-flow-role');
  });
});

describe('loadProject variable resolution', () => {
  it('resolves vars, env defaults, path, config, this.props and resources.x.props', () => {
    const file = writeProject(baseSpec());
    const dir = resolve(file, '..');
    const project = loadProject(file, { accountId: '777', env: {} });
    expect(project.queues).toEqual([
      {
        name: 'jobs',
        attributes: { VisibilityTimeout: 90, MaximumMessageSize: 2048 },
        region: 'cn-shanghai',
      },
    ]);
    expect(project.flows).toEqual([
      {
        resource: 'flow',
        name: 'fx-flow',
        definitionFile: join(dir, 'flows/main.flow.yaml'),
        roleArn: 'acs:ram::777:role/flow-role',
      },
    ]);
    const fn = project.functions[0];
    expect(fn?.name).toBe('fx-worker');
    expect(fn?.codeDir).toBe(join(dir, 'dist/worker'));
    expect(fn?.memorySize).toBe(512);
    expect(fn?.environment).toEqual({ SELF: 'fx-worker', FLOW: 'fx-flow', LIMIT: '3' });
    expect(fn?.triggers).toEqual([
      {
        kind: 'mns-queue',
        triggerName: 'q',
        queueName: 'jobs',
        isBase64Decode: true,
        batchSize: 4,
        batchWindowSeconds: 2,
        mode: 'event-streaming',
        retry: {
          strategy: 'BACKOFF_RETRY',
          maxRetries: 3,
          maxEventAgeSeconds: 0,
          errorsTolerance: 'ALL',
        },
      },
      { kind: 'http', triggerName: 'web', methods: ['GET', 'POST'], authType: 'anonymous' },
    ]);
    // LIMIT: 3 runs as "3", but fc3 takes strings only.
    expect(project.warnings).toEqual([LIMIT_WARNING]);
  });

  it('takes env values from the options over the default', () => {
    const file = writeProject(baseSpec());
    const project = loadProject(file, { env: { PREFIX: 'prod' } });
    expect(project.functions[0]?.name).toBe('prod-worker');
  });

  it('keeps a whole-value expression typed and ignores batch windows outside event streams', () => {
    const spec = baseSpec();
    spec.vars.timeout = 77;
    spec.resources.worker.props.timeout = '${vars.timeout}';
    spec.resources.worker.props.triggers[0].triggerConfig.eventSinkConfig.deliveryOption.mode =
      'event-driven';
    const fn = loadProject(writeProject(spec), { env: {} }).functions[0];
    expect(fn?.timeoutSeconds).toBe(77);
    expect(fn?.triggers[0]).toMatchObject({ mode: 'event', batchSize: 1, batchWindowSeconds: 0 });
  });

  it("keeps each trigger's qualifier for the handler's context", () => {
    const spec = baseSpec();
    spec.resources.worker.props.triggers[0].qualifier = 'prod';
    spec.resources.worker.props.triggers[1].qualifier = 'LATEST';
    const fn = loadProject(writeProject(spec), { env: {} }).functions[0];
    expect(fn?.triggers.map((t) => t.qualifier)).toEqual(['prod', 'LATEST']);
  });

  it('warns about what the local stack does not run', () => {
    const spec = baseSpec();
    spec.resources.worker.props.triggers.push({
      triggerName: 'tick',
      triggerType: 'timer',
      triggerConfig: { cronExpression: '@every 1m', enable: true },
    });
    spec.resources.worker.props.triggers[0].triggerConfig.eventSourceConfig.eventSourceParameters.sourceMNSParameters.QueueName =
      'elsewhere';
    spec.resources.domain = { component: 'fc3-domain', props: {} };
    const project = loadProject(writeProject(spec), { env: {} });
    expect(project.warnings).toEqual([
      LIMIT_WARNING,
      'fx-worker: timer trigger tick does not run locally',
      'domain: component fc3-domain is not run locally',
      'fx-worker: trigger q reads queue elsewhere, which no ros resource declares',
    ]);
  });
});

describe('loadProject errors', () => {
  const TRIGGER0 = 'resources.worker.props.triggers[0].triggerConfig';

  it('name the file, the path and the line of a missing trigger key', () => {
    const spec = baseSpec();
    delete spec.resources.worker.props.triggers[0].triggerConfig.eventSourceConfig
      .eventSourceParameters.sourceMNSParameters.QueueName;
    const text = stringify(spec);
    const line = text.split('\n').findIndex((l) => l.includes('sourceMNSParameters')) + 1;
    const err = loadError(text);
    expect(err.code).toBe('ProjectInvalid');
    expect(err.message).toBe(
      `s.yaml: ${TRIGGER0}.eventSourceConfig.eventSourceParameters.sourceMNSParameters.QueueName: is required (a string) (line ${line})`,
    );
    expect(err.line).toBe(line);
    expect(err.retryable).toBe(false);
    expect(err.name).toBe('ProjectError');
  });

  it('say which variable is undefined and where it is used', () => {
    const spec = baseSpec();
    spec.resources.worker.props.handler = '${vars.nope}';
    const err = loadError(spec);
    expect(err.code).toBe('ProjectExpressionError');
    expect(err.path).toBe('resources.worker.props.handler');
    expect(err.detail).toBe('${vars.nope}: vars.nope is not defined in s.yaml');
  });

  it('explain that deploy outputs do not exist locally', () => {
    const spec = baseSpec();
    spec.resources.worker.props.role = '${resources.infra.output.RoleArn}';
    const err = loadError(spec);
    expect(err.path).toBe('resources.worker.props.role');
    expect(err.detail).toMatch(/deploy result of infra: it exists only in the cloud/);
  });

  it('report a reference cycle', () => {
    const spec = baseSpec();
    spec.vars.a = '${vars.b}';
    spec.vars.b = 'x-${vars.a}';
    spec.resources.worker.props.description = '${vars.a}';
    expect(loadError(spec).detail).toMatch(/^circular reference through vars\.(a|b)$/);
  });

  it('report an env variable without a value or default', () => {
    const spec = baseSpec();
    spec.resources.worker.props.description = "${env('MISSING')}";
    expect(loadError(spec).detail).toBe(
      "${env('MISSING')}: environment variable MISSING is not set and has no default",
    );
  });

  it('ask for quotes around a bare env name, which s would read as a variable', () => {
    const spec = baseSpec();
    spec.resources.worker.props.description = '${env(HOME)}';
    expect(loadError(spec).detail).toBe("${env(HOME)}: quote the name: env('HOME')");
  });

  it('report a malformed expression', () => {
    const spec = baseSpec();
    spec.resources.worker.props.description = "${path('./x'}";
    const err = loadError(spec);
    expect(err.path).toBe('resources.worker.props.description');
    expect(err.detail).toMatch(/expected , or \) at character/);
  });

  it('refuse an s 1.x/2.x file', () => {
    const err = loadError('edition: 1.0.0\nname: old\nservices: {}\n');
    expect(err.message).toBe(
      's.yaml: edition: must be 3.0.0 (Serverless Devs 3 with resources:), got "1.0.0" (line 1)',
    );
  });

  it('give the line of a YAML syntax error', () => {
    const err = loadError('edition: 3.0.0\nname: x\nresources:\n  a: [1, 2\n');
    expect(err.code).toBe('ProjectParseError');
    expect(err.message).toMatch(/^s\.yaml: not valid YAML: .* \(line \d\)$/);
  });

  it('locate a bad value inside a trigger config', () => {
    const spec = baseSpec();
    spec.resources.worker.props.triggers[1].triggerConfig.authType = 'jwt';
    expect(loadError(spec).message).toMatch(
      /^s\.yaml: resources\.worker\.props\.triggers\[1\]\.triggerConfig\.authType: must be anonymous or function locally, got "jwt" \(line \d+\)$/,
    );
  });

  it('refuse a queue trigger on a queue in another region', () => {
    const spec = baseSpec();
    spec.resources.worker.props.triggers[0].triggerConfig.eventSourceConfig.eventSourceParameters.sourceMNSParameters.RegionId =
      'cn-beijing';
    const err = loadError(spec);
    expect(err.path).toBe(
      `${TRIGGER0}.eventSourceConfig.eventSourceParameters.sourceMNSParameters.RegionId`,
    );
    expect(err.detail).toBe(
      "must be the function's region cn-shanghai: the queue trigger reads a queue there",
    );
  });

  it('refuse a timeout that is not an integer', () => {
    const spec = baseSpec();
    spec.resources.worker.props.timeout = 'sixty';
    const err = loadError(spec);
    expect(err.path).toBe('resources.worker.props.timeout');
    expect(err.detail).toBe('must be an integer, got "sixty"');
  });

  it('point into the ROS template for a Ref to an unknown parameter', () => {
    const ros = structuredClone(ROS) as typeof ROS;
    ros.Resources.Queue.Properties.QueueName = { Ref: 'Nope' };
    const err = loadError(baseSpec(), { ros });
    expect(err.message).toMatch(
      /^infra\/ros\.yaml: Resources\.Queue\.Properties\.QueueName\.Ref: Ref to unknown parameter "Nope" \(line \d+\)$/,
    );
  });

  it('point at the s.yaml parameter a ROS parameter without default needs', () => {
    const spec = baseSpec();
    delete spec.resources.infra.props.parameters;
    expect(loadError(spec).detail).toBe(
      'parameter "QueueName" has no Default and the s.yaml ros resource does not pass it in parameters',
    );
  });

  it('report a path() to a file that does not exist, as s does', () => {
    const err = loadError(baseSpec(), { flow: false });
    expect(err.path).toBe('resources.flow.props.definition');
    expect(err.detail).toMatch(
      /^\$\{path\('\.\/flows\/main\.flow\.yaml'\)\}: .*flows\/main\.flow\.yaml does not exist$/,
    );
  });

  it('report a flow definition file that does not exist', () => {
    const spec = baseSpec();
    spec.resources.flow.props.definition = '/nowhere/main.flow.yaml';
    const err = loadError(spec);
    expect(err.path).toBe('resources.flow.props.definition');
    expect(err.detail).toBe('file not found: /nowhere/main.flow.yaml');
  });

  it('report two functions with the same name', () => {
    const spec = baseSpec();
    spec.resources.copy = structuredClone(spec.resources.worker);
    const err = loadError(spec);
    expect(err.path).toBe('resources.copy.props.functionName');
    expect(err.detail).toBe('function name "fx-worker" is used twice');
  });
});
