import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadProject } from '../../../local/project/load';
import { createRosEvaluator } from '../../../local/project/ros';
import { resolveSpec } from '../../../local/project/spec';
import { readYamlSource } from '../../../local/project/yaml-source';
import { parseResourceArn } from '../../../shared/fdl/arn';

// Checks that the names wired across s.yaml, infra/ros.yaml and flows/ agree, so a
// rename in one place cannot deploy a flow that sends to a queue nobody reads.
const root = resolve(import.meta.dirname, '../../..');

/** Reads a nested value of resolved props: dig(props, 'triggers', 0, 'triggerConfig'). */
function dig(value: unknown, ...path: (string | number)[]): unknown {
  let node = value;
  for (const key of path) node = (node as Record<string | number, unknown> | undefined)?.[key];
  return node;
}

/** Just enough shape to read the evaluated ROS resources in assertions. */
interface RosRole {
  Type: string;
  Properties: {
    RoleName: string;
    AssumeRolePolicyDocument: { Statement: { Principal: { Service: string[] } }[] };
    Policies: { PolicyDocument: { Statement: Statement[] } }[];
  };
}
interface Statement {
  Effect: string;
  Action: string[];
  Resource: string | string[];
}
const ACCOUNT = '1234567890123456';
const sYaml = resolve(root, 's.yaml');
const spec = resolveSpec(sYaml, { accountId: ACCOUNT, env: {} });
const project = loadProject(sYaml, { accountId: ACCOUNT, env: {} });
const resource = (name: string) => {
  const r = spec.resources.find((x) => x.name === name);
  if (!r) throw new Error(`s.yaml has no resource ${name}`);
  return r;
};
const infra = resource('infra');
const region = dig(infra.props, 'region') as string;
const template = readYamlSource(dig(infra.props, 'template') as string, root);
const evaluate = createRosEvaluator({
  template,
  parameters: dig(infra.props, 'parameters') as Record<string, unknown>,
  region,
  accountId: ACCOUNT,
});
const rosResources = evaluate((template.data as { Resources: unknown }).Resources, [
  'Resources',
]) as Record<string, RosRole>;

interface RoleView {
  name: string;
  trusted: string[];
  statements: Statement[];
}
const roles: RoleView[] = Object.values(rosResources)
  .filter((r) => r.Type === 'ALIYUN::RAM::Role')
  .map((r) => ({
    name: r.Properties.RoleName,
    trusted: r.Properties.AssumeRolePolicyDocument.Statement.flatMap((s) => s.Principal.Service),
    statements: r.Properties.Policies.flatMap((p) => p.PolicyDocument.Statement),
  }));
const roleByArn = (arn: string): RoleView => {
  const m = /^acs:ram::(\d+):role\/(.+)$/.exec(arn);
  expect(m?.[1], `${arn} names the deploying account`).toBe(ACCOUNT);
  const role = roles.find((r) => r.name === m?.[2]);
  if (!role) throw new Error(`${arn} names no role of infra/ros.yaml`);
  return role;
};
const actionsOf = (role: RoleView) => role.statements.flatMap((s) => s.Action).sort();

/** Every `resourceArn` in an FDL document, wherever the step is nested. */
function resourceArns(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) for (const n of node) resourceArns(n, out);
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === 'resourceArn' && typeof v === 'string') out.push(v);
      else resourceArns(v, out);
    }
  }
  return out;
}
// Read the ARN as the flow engine does, so "the queue a flow sends to" means the same here.
const queueOfArn = (arn: string) => {
  const ref = parseResourceArn(arn);
  return ref?.kind === 'mns-queue' ? ref.queue : undefined;
};

const flowDir = resolve(root, 'flows');
const flowFiles = readdirSync(flowDir)
  .filter((f) => f.endsWith('.flow.yaml'))
  .map((f) => resolve(flowDir, f));
const deployedFlow = project.flows[0]!;
const deployedArns = resourceArns(parse(readFileSync(deployedFlow.definitionFile, 'utf8')));
const deployedQueues = [...new Set(deployedArns.map(queueOfArn).filter((q) => q !== undefined))];
const worker = project.functions.find((f) => f.resource === 'task-worker')!;
const starter = project.functions.find((f) => f.resource === 'start-flow')!;

describe('names across s.yaml, infra/ros.yaml and flows/', () => {
  it('deploys the demo flow from flows/demo.flow.yaml as queueflow-demo', () => {
    expect(project.flows.map((f) => f.name)).toEqual(['queueflow-demo']);
    expect(deployedFlow.definitionFile).toBe(resolve(flowDir, 'demo.flow.yaml'));
    expect(flowFiles).toContain(deployedFlow.definitionFile);
  });

  it('has the demo flow send its tasks to the queueflow-tasks queue', () => {
    expect(deployedArns.length).toBeGreaterThanOrEqual(3);
    expect(deployedQueues).toEqual(['queueflow-tasks']);
  });

  it('declares in ros.yaml every queue that any flow file sends to', () => {
    const declared = project.queues.map((q) => q.name);
    for (const file of flowFiles) {
      for (const arn of resourceArns(parse(readFileSync(file, 'utf8')))) {
        const queue = queueOfArn(arn);
        if (arn.startsWith('acs:mns:')) expect(queue, `${file}: ${arn}`).toBeDefined();
        if (queue) expect(declared, `${file} sends to ${queue}`).toContain(queue);
      }
    }
  });

  it('lets the flow role send messages to exactly the queues the flow uses', () => {
    const role = roleByArn(deployedFlow.roleArn ?? '');
    expect(role.trusted).toEqual(['fnf.aliyuncs.com']);
    const invokesFc = deployedArns.some((a) => a.startsWith('acs:fc:'));
    expect(actionsOf(role)).toEqual(
      invokesFc ? ['fc:InvokeFunction', 'mns:SendMessage'] : ['mns:SendMessage'],
    );
    const sendResources = role.statements
      .filter((s) => s.Action.includes('mns:SendMessage'))
      .flatMap((s) => s.Resource);
    expect(sendResources.sort()).toEqual(
      deployedQueues.map((q) => `acs:mns:${region}:${ACCOUNT}:/queues/${q}/messages`).sort(),
    );
  });

  it('triggers the task-worker from the queue the flow sends to, in the same region', () => {
    const queueTriggers = worker.triggers.filter((t) => t.kind === 'mns-queue');
    expect(queueTriggers.map((t) => t.queueName)).toEqual(deployedQueues);
    const regionId = dig(
      resource('task-worker').props,
      ...['triggers', 0, 'triggerConfig', 'eventSourceConfig', 'eventSourceParameters'],
      ...['sourceMNSParameters', 'RegionId'],
    );
    expect(regionId).toBe(region);
    for (const r of ['workflow', 'task-worker', 'start-flow']) {
      expect(dig(resource(r).props, 'region')).toBe(region);
    }
  });

  it('dead-letters the task-worker trigger to a queue of ros.yaml, by an ARN of this region and account', () => {
    const arn = dig(
      resource('task-worker').props,
      ...['triggers', 0, 'triggerConfig', 'runOptions', 'deadLetterQueue', 'Arn'],
    );
    expect(arn).toBe(`acs:mns:${region}:${ACCOUNT}:/queues/queueflow-tasks-dlq`);
    const [trigger] = worker.triggers.filter((t) => t.kind === 'mns-queue');
    const dlq = trigger?.retry?.deadLetterQueue;
    expect(dlq).toBe('queueflow-tasks-dlq');
    expect(project.queues.map((q) => q.name)).toContain(dlq);
    expect(deployedQueues).not.toContain(dlq);
  });

  it('keeps the queue visibility timeout at or above the task-worker timeout', () => {
    const queue = project.queues.find((q) => q.name === deployedQueues[0]);
    expect(queue?.attributes.VisibilityTimeout).toBeGreaterThanOrEqual(worker.timeoutSeconds);
  });

  it('gives the task-worker a role that can only report task results', () => {
    const role = roleByArn(worker.role ?? '');
    expect(role.trusted).toEqual(['fc.aliyuncs.com']);
    expect(actionsOf(role)).toEqual(['fnf:ReportTaskFailed', 'fnf:ReportTaskSucceeded']);
  });

  it('gives start-flow a role that can only start and describe executions', () => {
    const role = roleByArn(starter.role ?? '');
    expect(role.trusted).toEqual(['fc.aliyuncs.com']);
    expect(actionsOf(role)).toEqual(['fnf:DescribeExecution', 'fnf:StartExecution']);
  });

  it('uses a separate, lower-case role for the flow and each function', () => {
    const arns = [deployedFlow.roleArn, worker.role, starter.role];
    expect(new Set(arns).size).toBe(3);
    // fc3 lower-cases role values: a mixed-case RoleName would not match.
    for (const r of roles) expect(r.name).toBe(r.name.toLowerCase());
  });

  it('points start-flow at the deployed flow and each function at its own bundle', () => {
    expect(starter.environment.FLOW_NAME).toBe(deployedFlow.name);
    for (const f of project.functions) {
      expect(f.name).toBe(f.resource);
      expect(f.codeDir).toBe(resolve(root, 'dist', f.resource));
      expect(f.handler).toBe('index.handler');
    }
  });
});
