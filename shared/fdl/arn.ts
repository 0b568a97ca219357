import type { TaskPattern } from './types';

/** What a task's resourceArn names. Region and account are kept when the ARN gives them. */
export type ResourceRef =
  | { kind: 'mns-queue'; queue: string; region?: string; accountId?: string }
  | { kind: 'mns-topic'; topic: string; region?: string; accountId?: string }
  | {
      kind: 'fc';
      functionName: string;
      serviceName?: string;
      qualifier?: string;
      region?: string;
      accountId?: string;
    }
  | { kind: 'fnf-flow'; flowName: string; region?: string; accountId?: string };

/** The kinds of resource a task can call. */
export type ResourceKind = ResourceRef['kind'];

/** The resourceArn forms, for messages that say what would be valid. */
export const RESOURCE_ARN_FORMS: readonly string[] = [
  'acs:mns:::/queues/<queue>/messages',
  'acs:mns:::/topics/<topic>/messages',
  'acs:fc:::services/<service>[.<qualifier>]/functions/<function>',
  'acs:fc:::functions/<function>',
  'acs:fnf:::flow/<flow>',
];

/**
 * The patterns each resource kind supports. FC: requestResponse (synchronous invoke) and
 * waitForCallback (the function reports the token itself); MNS: requestResponse and
 * waitForCallback; child flows: all three (docs/fdl.md).
 */
export const PATTERNS_BY_KIND: Readonly<Record<ResourceKind, readonly TaskPattern[]>> = {
  'mns-queue': ['requestResponse', 'waitForCallback'],
  'mns-topic': ['requestResponse', 'waitForCallback'],
  fc: ['requestResponse', 'waitForCallback'],
  'fnf-flow': ['requestResponse', 'sync', 'waitForCallback'],
};

/**
 * An FC task's `serviceParams.InvocationType` (help.aliyun.com/document_detail/357640.html):
 * Sync, the default, waits for the function; Async has FC store the call and run it.
 */
export const FC_INVOCATION_TYPES = ['Sync', 'Async'] as const;
export type FcInvocationType = (typeof FC_INVOCATION_TYPES)[number];

/** True for a value FC_INVOCATION_TYPES holds. */
export const isFcInvocationType = (v: unknown): v is FcInvocationType =>
  (FC_INVOCATION_TYPES as readonly unknown[]).includes(v);

const SEGMENT = '([^/:]+)';
const MNS = new RegExp(`^acs:mns:([^:]*):([^:]*):/(queues|topics)/${SEGMENT}/messages$`);
const FC_SERVICE = new RegExp(`^acs:fc:([^:]*):([^:]*):services/${SEGMENT}/functions/${SEGMENT}$`);
const FC_FUNCTION = new RegExp(`^acs:fc:([^:]*):([^:]*):functions/${SEGMENT}$`);
const FNF = new RegExp(`^acs:fnf:([^:]*):([^:]*):flow/${SEGMENT}$`);

/**
 * Parses a task resourceArn; undefined when it is none of the documented forms.
 * @example parseResourceArn('acs:mns:::/queues/queueflow-tasks/messages') // { kind: 'mns-queue', queue: 'queueflow-tasks' }
 */
export function parseResourceArn(arn: string): ResourceRef | undefined {
  if (typeof arn !== 'string') return undefined;
  let m = MNS.exec(arn);
  if (m) {
    const where = regionAccount(m[1]!, m[2]!);
    return m[3] === 'queues'
      ? { kind: 'mns-queue', queue: m[4]!, ...where }
      : { kind: 'mns-topic', topic: m[4]!, ...where };
  }
  m = FC_SERVICE.exec(arn);
  if (m) {
    const service = m[3]!;
    const dot = service.indexOf('.');
    return {
      kind: 'fc',
      functionName: m[4]!,
      ...(dot >= 0
        ? { serviceName: service.slice(0, dot), qualifier: service.slice(dot + 1) }
        : { serviceName: service }),
      ...regionAccount(m[1]!, m[2]!),
    };
  }
  m = FC_FUNCTION.exec(arn);
  if (m) return { kind: 'fc', functionName: m[3]!, ...regionAccount(m[1]!, m[2]!) };
  m = FNF.exec(arn);
  if (m) return { kind: 'fnf-flow', flowName: m[3]!, ...regionAccount(m[1]!, m[2]!) };
  return undefined;
}

function regionAccount(region: string, accountId: string): { region?: string; accountId?: string } {
  return { ...(region ? { region } : {}), ...(accountId ? { accountId } : {}) };
}

/**
 * Builds the resourceArn of a resource (region and account left empty, as in the docs).
 * @example formatResourceArn({ kind: 'mns-queue', queue: 'q' }) // 'acs:mns:::/queues/q/messages'
 */
export function formatResourceArn(ref: ResourceRef): string {
  const where = `${ref.region ?? ''}:${ref.accountId ?? ''}`;
  switch (ref.kind) {
    case 'mns-queue':
      return `acs:mns:${where}:/queues/${ref.queue}/messages`;
    case 'mns-topic':
      return `acs:mns:${where}:/topics/${ref.topic}/messages`;
    case 'fnf-flow':
      return `acs:fnf:${where}:flow/${ref.flowName}`;
    case 'fc':
      if (ref.serviceName === undefined) {
        if (ref.qualifier) {
          throw new Error(
            `qualifier ${ref.qualifier} needs a service name: FDL writes it as services/<service>.${ref.qualifier}/functions/${ref.functionName}`,
          );
        }
        return `acs:fc:${where}:functions/${ref.functionName}`;
      }
      return `acs:fc:${where}:services/${ref.serviceName}${ref.qualifier ? `.${ref.qualifier}` : ''}/functions/${ref.functionName}`;
  }
}

/** A hint for an ARN that is close to a valid form (missing `/messages`, missing leading `/`, …). */
export function resourceArnHint(arn: string): string | undefined {
  if (/^acs:mns:[^:]*:[^:]*:\/?(queues|topics)\/[^/]+\/?$/.test(arn)) {
    return 'MNS ARNs end with "/messages"';
  }
  if (/^acs:mns:[^:]*:[^:]*:(queues|topics)\//.test(arn)) {
    return 'the MNS path starts with "/": acs:mns:::/queues/<queue>/messages';
  }
  if (/^acs:mns:[^:]*:[^:]*:\/queue\//.test(arn)) return 'write "/queues/", plural';
  if (/^acs:mns:[^:]*:[^:]*:\/topic\//.test(arn)) return 'write "/topics/", plural';
  if (/^acs:fnf:[^:]*:[^:]*:flows\//.test(arn)) return 'write "flow/<name>", singular';
  if (/^acs:fc:[^:]*:[^:]*:service\//.test(arn)) return 'write "services/", plural';
  if (/^acs:(mns|fc|fnf)::?\//.test(arn) || /^acs:(mns|fc|fnf):[^:]*$/.test(arn)) {
    return 'an ARN has empty region and account fields: acs:<service>:::…';
  }
  return undefined;
}
