// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the strings are s.yaml's own ${...} syntax
import { writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadProject } from '../../../local/project/load';
import {
  mnsTrigger,
  projectErrorOf,
  projectFolders,
  workerSpec,
} from '../../support/project-files';

// s.yaml files the way users write them: what the local stack cannot run is
// left out with a warning or refused with a located error, never run as
// something else than `s deploy` would deploy.
const folders = projectFolders('queueflow-variants-');

const ROS = {
  ROSTemplateFormatVersion: '2015-09-01',
  Resources: { Queue: { Type: 'ALIYUN::MNS::Queue', Properties: { QueueName: 'jobs' } } },
};

const spec = (props: Record<string, unknown> = {}, top: Record<string, unknown> = {}) =>
  workerSpec({ props, top, infra: true });

const load = (s: unknown, ros: unknown = ROS) =>
  loadProject(folders.write(s, { ros }), { env: {} });
const loadError = (s: unknown, ros?: unknown) => projectErrorOf(() => load(s, ros));

describe('user s.yaml variants', () => {
  it('leaves out a function whose runtime cannot run here, and says so', () => {
    const p = load(spec({ runtime: 'python3.10' }));
    expect(p.functions).toEqual([]);
    expect(p.warnings).toContain(
      'worker: runtime python3.10 does not run on the local stack (Node.js event functions only); the function is not started',
    );
    const custom = load(
      spec({ runtime: 'custom.debian10', customRuntimeConfig: { command: ['node'] } }),
    );
    expect(custom.functions).toEqual([]);
  });

  it('runs older or unknown Node.js runtimes on this Node, with a warning', () => {
    expect(load(spec({ runtime: 'nodejs16' })).warnings).toContain(
      `worker: nodejs16 runs here on Node.js ${process.versions.node}`,
    );
    expect(load(spec({ runtime: 'nodejs22' })).warnings?.[0]).toMatch(
      /runtime nodejs22 is not one fc3 deploys .*`s deploy` would refuse it/,
    );
  });

  it('refuses an archive as code, and a second HTTP trigger', () => {
    expect(loadError(spec({ code: './build/code.zip' })).message).toMatch(
      /resources\.worker\.props\.code.*is an archive/,
    );
    const http = (name: string) => ({
      triggerName: name,
      triggerType: 'http',
      triggerConfig: { authType: 'anonymous', methods: ['GET'] },
    });
    expect(loadError(spec({ triggers: [http('a'), http('b')] })).message).toMatch(
      /triggers\[1\]\.triggerType.*at most one HTTP trigger/,
    );
  });

  it('honours triggerEnable: false and eventSchema: RawData, and warns about what it does not apply', () => {
    const off = load(spec({ triggers: [mnsTrigger({ triggerEnable: false })] }));
    expect(off.functions[0]?.triggers).toEqual([]);
    expect(off.warnings).toContain(
      'worker: trigger q is disabled (triggerEnable: false); not started',
    );

    const raw = load(spec({ triggers: [mnsTrigger({}, { eventSchema: 'RawData' })] }));
    expect(raw.functions[0]?.triggers[0]).toMatchObject({ kind: 'mns-queue', rawData: true });

    const filtered = load(
      spec({
        triggers: [
          mnsTrigger({
            eventRuleFilterPattern: '{"data":{"messageBody":[{"prefix":"urgent"}]}}',
            asyncInvocationType: true,
          }),
        ],
      }),
    );
    expect(filtered.warnings).toEqual([
      'worker: trigger q: eventRuleFilterPattern is not applied locally; every message is delivered',
      'worker: trigger q: asyncInvocationType is not applied locally; the function is invoked synchronously',
    ]);
    expect(
      load(spec({ triggers: [mnsTrigger({ eventRuleFilterPattern: '{}' })] })).warnings,
    ).toBeUndefined();
  });

  it('reads the initializer and warns about layers', () => {
    const p = load(
      spec({
        instanceLifecycleConfig: { initializer: { handler: 'index.initialize', timeout: 5 } },
        layers: ['acs:fc:cn-hangzhou:123:layers/x/versions/1'],
      }),
    );
    expect(p.functions[0]?.initializer).toEqual({ handler: 'index.initialize', timeoutSeconds: 5 });
    // What FC and `s sync` write for "no initializer".
    const none = load(
      spec({ instanceLifecycleConfig: { initializer: { handler: '', timeout: 0 }, preStop: {} } }),
    );
    expect(none.functions[0]?.initializer).toBeUndefined();
    expect(p.warnings).toContain(
      'worker: layers are not mounted locally; bundle what they provide',
    );
  });

  it('warns about a flow: block, a ROS Condition and a terraform stack', () => {
    const ros = {
      ...ROS,
      Resources: {
        Queue: { ...ROS.Resources.Queue, Condition: 'IsProd' },
      },
    };
    const p = load(spec({}, { flow: { deploy: [['infra']] } }), ros);
    expect(p.warnings).toEqual([
      'flow: (which resources s deploy runs, in which order) is not applied locally: every resource runs',
      'infra: infra/ros.yaml: queue Queue has Condition "IsProd", which is not evaluated locally: the queue is created',
    ]);
    const tf = spec();
    tf.resources.infra.props = { region: 'cn-hangzhou', terraform: { path: './tf' } };
    expect(load(tf).warnings?.[0]).toBe(
      'infra: a terraform stack is not read locally; declare its queues in a ROS template',
    );
  });

  it('refuses extend and a queue trigger on a queue the ROS stack creates in another region', () => {
    const ext = spec({}, { template: { base: { timeout: 60 } } });
    ext.resources.worker.extend = { name: 'base' };
    expect(loadError(ext).message).toMatch(/resources\.worker\.extend.*not supported locally/);

    // A ros resource that names no region is not compared (its region is a guess).
    const unnamed = spec({ region: 'eu-central-1' });
    delete unnamed.resources.infra.props.region;
    expect(load(unnamed).functions[0]?.triggers).toHaveLength(1);

    const far = spec();
    far.resources.infra.props.region = 'cn-shanghai';
    expect(loadError(far).message).toMatch(
      /triggers\[0\].*reads queue jobs, which the ROS stack creates in cn-shanghai, but the function is in cn-hangzhou/,
    );
  });

  it('keeps an Express flow Express', () => {
    const s = spec();
    s.resources.flow = {
      component: 'flow',
      props: {
        region: 'cn-hangzhou',
        name: 'fast',
        definition: "${path('./infra/ros.yaml')}",
        executionMode: 'Express',
      },
    };
    expect(load(s).flows[0]?.executionMode).toBe('Express');
  });

  it('says once what is wrong with json() of a non-string, and where', () => {
    const e = loadError(spec({ environmentVariables: { N: '${json(5)}' } }));
    expect(e.message).toMatch(/\$\{json\(5\)\}: argument 1 must be a string/);
    expect(e.message).not.toMatch(/not valid JSON/);
    expect(e.message.match(/environmentVariables\.N/g)).toHaveLength(1);
    expect(loadError(spec({ environmentVariables: { N: "${json('{')}" } })).message).toMatch(
      /\$\{json\('\{'\)\}: not valid JSON \(/,
    );
  });

  it('says why s.yaml cannot be read: missing, or a folder', () => {
    const missing = projectErrorOf(() => loadProject('/nonexistent/queueflow/s.yaml', { env: {} }));
    expect(missing.code).toBe('ProjectFileNotFound');
    expect(missing.message).toMatch(
      /cannot read the file: no such file \(looked for \/nonexistent\/queueflow\/s\.yaml\)/,
    );
    const folder = dirname(folders.write(''));
    expect(projectErrorOf(() => loadProject(folder, { env: {} })).message).toMatch(
      /cannot read the file: it is a folder; give the s\.yaml file in it/,
    );
  });

  it('says a UTF-16 file is not UTF-8', () => {
    const file = folders.write('');
    writeFileSync(
      file,
      Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('edition: 3.0.0\n', 'utf16le')]),
    );
    expect(() => loadProject(file, { env: {} })).toThrow(
      /is not UTF-8 text \(it looks like UTF-16\)/,
    );
  });
});
