import {
  estimateMessageBytes,
  type Flow,
  LIMITS,
  type Problem,
  parseResourceArn,
  walkSteps,
} from '../../shared/fdl';
import { didYouMean } from '../../shared/fdl/suggest';
import type { Project } from '../project/model';

/** Options of checkFlowAgainstProject. */
export interface CrossCheckOptions {
  /** The name s.yaml gives this flow, when the file is one of the project's flows. */
  flowName?: string;
  /** How messages name the project file; default its path. */
  projectLabel?: string;
}

/**
 * Checks a parsed flow against the project (s.yaml): every queue, function and child flow a
 * resourceArn names must be declared, and a message's constant parts must fit the queue's
 * message size (MNS: 64 KiB, or the queue's MaximumMessageSize). Problems carry paths only;
 * the caller locates them in the text.
 */
export function checkFlowAgainstProject(
  flow: Flow,
  project: Project,
  options: CrossCheckOptions = {},
): Problem[] {
  const problems: Problem[] = [];
  const queues = new Map(project.queues.map((q) => [q.name, q]));
  const functions = new Set(project.functions.map((f) => f.name));
  const flows = new Set(project.flows.map((f) => f.name));
  const where = options.projectLabel ?? project.file;

  if (options.flowName !== undefined && flow.name !== undefined && flow.name !== options.flowName) {
    problems.push({
      severity: 'warning',
      code: 'unknown-resource',
      message: `the definition names the flow "${flow.name}" but s.yaml deploys it as "${options.flowName}"; the service uses the s.yaml name`,
      path: 'name',
    });
  }

  walkSteps(flow, (step, path) => {
    if (step.type !== 'task') return;
    const arnPath = `${path}.resourceArn`;
    if (step.action === 'fnf:StartExecution') {
      const target = step.serviceParams?.FlowName;
      if (typeof target === 'string' && !target.startsWith('$') && !flows.has(target)) {
        problems.push(unknown('flow', target, [...flows], `${path}.serviceParams.FlowName`, where));
      }
      return;
    }
    if (step.resourceArn === undefined) return;
    const ref = parseResourceArn(step.resourceArn);
    if (!ref) return;
    switch (ref.kind) {
      case 'mns-queue': {
        const queue = queues.get(ref.queue);
        if (!queue) problems.push(unknown('queue', ref.queue, [...queues.keys()], arnPath, where));
        const limit = Math.min(
          LIMITS.mnsMessageBytes,
          queue?.attributes.MaximumMessageSize ?? LIMITS.mnsMessageBytes,
        );
        checkSize(problems, step, path, limit, `queue ${ref.queue}`);
        break;
      }
      case 'mns-topic':
        // s.yaml declares no topics; only the size can be checked.
        checkSize(problems, step, path, LIMITS.mnsMessageBytes, `topic ${ref.topic}`);
        break;
      case 'fc':
        if (!functions.has(ref.functionName)) {
          problems.push(unknown('function', ref.functionName, [...functions], arnPath, where));
        }
        break;
      case 'fnf-flow':
        if (!flows.has(ref.flowName)) {
          problems.push(unknown('flow', ref.flowName, [...flows], arnPath, where));
        }
        break;
    }
  });
  return problems;
}

function unknown(
  what: 'queue' | 'function' | 'flow',
  name: string,
  known: string[],
  path: string,
  projectFile: string,
): Problem {
  const list =
    known.length > 0 ? ` Declared ${what}s: ${known.join(', ')}.` : ` It declares no ${what}s.`;
  return {
    severity: 'error',
    code: 'unknown-resource',
    message: `${what} "${name}" is not declared in ${projectFile}.${didYouMean(name, known)}${list}`,
    path,
  };
}

function checkSize(
  problems: Problem[],
  step: Parameters<typeof estimateMessageBytes>[0],
  path: string,
  limit: number,
  target: string,
): void {
  const { minBytes, exact } = estimateMessageBytes(step);
  if (minBytes > limit) {
    problems.push({
      severity: 'error',
      code: 'message-too-large',
      message: `the message to ${target} is ${exact ? '' : 'at least '}${minBytes} bytes from its constant parts alone; the limit is ${limit} bytes. Pass large data by reference (an OSS key) instead`,
      path:
        step.serviceParams?.MessageBody !== undefined
          ? `${path}.serviceParams.MessageBody`
          : `${path}.inputMappings`,
    });
  }
}
