import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { parseFlowDocument, parseResourceArn, walkSteps } from '../../shared/fdl';
import type { ProjectFlow, ProjectQueue } from './model';

/** The regions the flow component deploys to; it throws for any other (docs: sdevs.md §3). */
export const FLOW_REGIONS: readonly string[] = [
  'cn-beijing',
  'cn-hangzhou',
  'cn-shanghai',
  'cn-qingdao',
  'cn-shenzhen',
  'ap-southeast-1',
  'us-west-1',
  'cn-heyuan-acdr-1',
];

/**
 * Warnings for the task steps of `flow` that send to a queue a ROS stack
 * creates in another region than the step sends to: an `acs:mns:::` ARN
 * without a region names the queue in the flow's own region, where `s deploy`
 * did not create it (the cloud's step fails; locally there is one region, so it
 * would run). A definition that does not parse is left to the engine, which
 * reports it with its line.
 */
export function flowQueueRegionWarnings(options: {
  flow: ProjectFlow;
  flowRegion: string;
  queues: ReadonlyMap<string, ProjectQueue>;
  /** The s.yaml folder: the definition is named relative to it. */
  baseDir: string;
}): string[] {
  const { flow, flowRegion, queues } = options;
  let text: string;
  try {
    text = readFileSync(flow.definitionFile, 'utf8');
  } catch {
    return [];
  }
  const doc = parseFlowDocument(text);
  const parsed = doc.flow ?? doc.partial;
  if (!parsed) return [];
  // One warning per queue and region, naming every step that sends there.
  const misses = new Map<
    string,
    { queue: string; target: string; why: string; from: string; steps: string[] }
  >();
  walkSteps(parsed, (step, path) => {
    if (step.type !== 'task' || typeof step.resourceArn !== 'string') return;
    const ref = parseResourceArn(step.resourceArn);
    if (ref?.kind !== 'mns-queue') return;
    const queueRegion = queues.get(ref.queue)?.region;
    const target = ref.region ?? flowRegion;
    if (!queueRegion || queueRegion === target) return;
    const key = `${ref.queue}\0${target}\0${ref.region ?? ''}`;
    const miss = misses.get(key) ?? {
      queue: ref.queue,
      target,
      why: ref.region
        ? `its resourceArn names ${ref.region}`
        : `its resourceArn names no region, so the flow's own`,
      from: queueRegion,
      steps: [],
    };
    miss.steps.push(`${path} (line ${doc.locate(`${path}.resourceArn`).line})`);
    misses.set(key, miss);
  });
  return [...misses.values()].map(
    (m) =>
      `${flow.resource}: ${relative(options.baseDir, flow.definitionFile)} ${m.steps.join(', ')}: ${m.steps.length === 1 ? 'sends' : 'send'} to queue ${m.queue} in ${m.target} (${m.why}), but the ROS stack creates it in ${m.from}: in the cloud the step${m.steps.length === 1 ? '' : 's'} would find no queue`,
  );
}
