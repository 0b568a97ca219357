import { MNS_NAME_PATTERN } from '../../shared/fdl';
import type { ProjectQueue, QueueNumericAttribute } from './model';
import { createPropsReader, type PropsReader } from './props-reader';
import { isRecord, type NodePath, type YamlSource } from './yaml-source';

/** ROS property -> MNS attribute, with the ranges ROS documents for ALIYUN::MNS::Queue. */
const ATTRIBUTES: Record<QueueNumericAttribute, { min: number; max: number }> = {
  DelaySeconds: { min: 0, max: 604800 },
  MaximumMessageSize: { min: 1024, max: 65536 },
  MessageRetentionPeriod: { min: 60, max: 604800 },
  VisibilityTimeout: { min: 1, max: 43200 },
  PollingWaitSeconds: { min: 0, max: 30 },
};

/** What a ROS template's `Ref` and `Fn::Sub` evaluate against. */
export interface RosContext {
  template: YamlSource;
  /** `parameters` of the s.yaml ros resource, resolved. */
  parameters: Record<string, unknown>;
  region: string;
  accountId: string;
}

/** Evaluates literals, `Ref` and `Fn::Sub` of a ROS template, deeply; errors are located. */
export function createRosEvaluator(ctx: RosContext): (value: unknown, at: NodePath) => unknown {
  const { template } = ctx;
  const root = createPropsReader(template, [], template.data);
  const declared = root.object('Parameters', false).value;

  const parameter = (name: string, at: NodePath): unknown => {
    if (name === 'ALIYUN::Region') return ctx.region;
    if (name === 'ALIYUN::AccountId' || name === 'ALIYUN::TenantId') return ctx.accountId;
    const decl = declared[name];
    if (!isRecord(decl)) throw template.error(at, `Ref to unknown parameter "${name}"`);
    const value = ctx.parameters[name] ?? decl.Default;
    if (value === undefined || value === null) {
      throw template.error(
        at,
        `parameter "${name}" has no Default and the s.yaml ros resource does not pass it in parameters`,
      );
    }
    return value;
  };

  const evaluate = (value: unknown, at: NodePath): unknown => {
    if (Array.isArray(value)) return value.map((v, i) => evaluate(v, [...at, i]));
    if (!isRecord(value)) return value;
    if (typeof value.Ref === 'string') return parameter(value.Ref, [...at, 'Ref']);
    const sub = value['Fn::Sub'];
    if (typeof sub === 'string') {
      return sub.replace(/\$\{([^}]+)\}/g, (_, name: string) =>
        String(parameter(name.trim(), [...at, 'Fn::Sub'])),
      );
    }
    const fnKey = Object.keys(value).find((k) => k.startsWith('Fn::'));
    if (fnKey)
      throw template.error(
        [...at, fnKey],
        `${fnKey} is not evaluated locally (use Ref or Fn::Sub)`,
      );
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = evaluate(v, [...at, k]);
    return out;
  };
  return evaluate;
}

/**
 * Reads the `ALIYUN::MNS::Queue` resources of a ROS template, with `Ref` and
 * `Fn::Sub` evaluated against the parameters the s.yaml `ros` resource passes
 * (then the template's defaults and the ALIYUN:: pseudo parameters).
 */
export function readRosQueues(
  ctx: RosContext,
  warn: (message: string) => void = () => {},
): ProjectQueue[] {
  const { template } = ctx;
  const resources = createPropsReader(template, [], template.data).object('Resources').value;
  const evaluate = createRosEvaluator(ctx);
  const queues: ProjectQueue[] = [];
  for (const [logicalId, res] of Object.entries(resources)) {
    if (!isRecord(res) || res.Type !== 'ALIYUN::MNS::Queue') continue;
    if (res.Condition !== undefined) {
      warn(
        `${template.displayFile}: queue ${logicalId} has Condition ${JSON.stringify(res.Condition)}, which is not evaluated locally: the queue is created`,
      );
    }
    const path: NodePath = ['Resources', logicalId, 'Properties'];
    const props = createPropsReader(template, path, res.Properties ?? {});
    const queue = createPropsReader(template, path, evaluate(props.value, path));
    const name = queue.string('QueueName');
    if (!MNS_NAME_PATTERN.test(name)) {
      throw queue.error(`"${name}" is not a valid queue name (letters, digits, -)`, 'QueueName');
    }
    const attributes: ProjectQueue['attributes'] = {};
    for (const [attr, range] of Object.entries(ATTRIBUTES) as [
      QueueNumericAttribute,
      typeof ATTRIBUTES.DelaySeconds,
    ][]) {
      if (queue.has(attr)) attributes[attr] = queue.int(attr, range);
    }
    Object.assign(attributes, readDlqPolicy(queue, name));
    queues.push({ name, attributes, region: ctx.region });
  }
  return queues;
}

/**
 * `DlqPolicy {Enabled, DeadLetterTargetQueue, MaxReceiveCount}` as the local
 * dead-letter extension (docs/mns.md): the two go together, and a queue cannot
 * be its own dead-letter queue.
 */
function readDlqPolicy(
  queue: PropsReader,
  name: string,
): Pick<ProjectQueue['attributes'], 'DeadLetterQueue' | 'MaxReceiveCount'> {
  if (!queue.has('DlqPolicy')) return {};
  const policy = queue.object('DlqPolicy');
  if (!policy.bool('Enabled', false)) return { DeadLetterQueue: null };
  const target = policy.string('DeadLetterTargetQueue');
  if (!MNS_NAME_PATTERN.test(target)) {
    throw policy.error(
      `"${target}" is not a valid queue name (letters, digits, -)`,
      'DeadLetterTargetQueue',
    );
  }
  if (target === name) {
    throw policy.error(
      `a queue cannot be its own dead-letter queue (${name}); name another queue`,
      'DeadLetterTargetQueue',
    );
  }
  // The local extension's range (docs/mns.md).
  return {
    DeadLetterQueue: target,
    MaxReceiveCount: policy.int('MaxReceiveCount', { min: 1, max: 1000 }),
  };
}
