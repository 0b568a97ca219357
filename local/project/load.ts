import { existsSync } from 'node:fs';
import { isAbsolute, resolve as resolvePath } from 'node:path';
import { LOCAL_REGION } from '../credentials';
import { readFc3Function } from './fc3';
import { FLOW_REGIONS, flowQueueRegionWarnings } from './flow-regions';
import type { Project, ProjectFlow, ProjectFunction, ProjectQueue } from './model';
import { createPropsReader } from './props-reader';
import { readRosQueues } from './ros';
import { type ResolveSpecOptions, resolveSpec } from './spec';
import { type NodePath, readYamlSource, type YamlSource } from './yaml-source';

export { ProjectError } from './errors';

/** How to resolve the parts of s.yaml that depend on the account and the machine. */
export interface LoadProjectOptions extends ResolveSpecOptions {
  /** Region for ROS pseudo parameters when a resource names none; default the local region. */
  region?: string;
}

/**
 * Reads s.yaml (Serverless Devs 3) and what it points to (the ROS template's
 * queues, the flow definition files) into a Project, with the magic variables
 * resolved for the local stack. No network and no `s` involved.
 * Throws ProjectError with the file and the path of the first problem.
 */
export function loadProject(sYamlPath: string, options: LoadProjectOptions = {}): Project {
  const spec = resolveSpec(sYamlPath, options);
  const { source, baseDir, accountId } = spec;
  const warnings: string[] = [];
  if (spec.hasFlowBlock) {
    warnings.push(
      'flow: (which resources s deploy runs, in which order) is not applied locally: every resource runs',
    );
  }
  const flows: ProjectFlow[] = [];
  const queues: ProjectQueue[] = [];
  const functions: ProjectFunction[] = [];

  for (const { name: resource, component, kind, props } of spec.resources) {
    switch (kind) {
      case 'fc3': {
        const fn = readFc3Function({ source, resource, props, baseDir, warnings });
        if (fn) functions.push(fn);
        break;
      }
      case 'flow':
      case 'fnf':
        flows.push(readFlow(source, resource, props, baseDir, warnings));
        break;
      case 'ros':
        queues.push(
          ...readRos(source, resource, {
            props,
            baseDir,
            accountId,
            region: options.region,
            warnings,
          }),
        );
        break;
      default:
        warnings.push(`${resource}: component ${component} is not run locally`);
    }
  }

  checkUnique(
    source,
    functions,
    (f) => f.name,
    (f) => ['resources', f.resource, 'props', 'functionName'],
    'function',
  );
  checkUnique(
    source,
    flows,
    (f) => f.name,
    (f) => ['resources', f.resource, 'props', 'name'],
    'flow',
  );
  const byName = new Map<string, ProjectQueue>();
  for (const q of queues) {
    if (byName.has(q.name)) throw source.error(['resources'], `queue ${q.name} is declared twice`);
    byName.set(q.name, q);
  }
  for (const q of queues) {
    const dlq = q.attributes.DeadLetterQueue;
    if (dlq && !byName.has(dlq)) {
      warnings.push(
        `queue ${q.name}: DlqPolicy DeadLetterTargetQueue ${dlq} is a queue no ros resource declares: the cloud needs it to exist already; locally it is created with default attributes`,
      );
    }
  }
  const propsOf = (resource: string) =>
    spec.resources.find((r) => r.name === resource)?.props as { region?: unknown } | undefined;
  for (const flow of flows) {
    const region = propsOf(flow.resource)?.region;
    if (typeof region === 'string') {
      warnings.push(
        ...flowQueueRegionWarnings({ flow, flowRegion: region, queues: byName, baseDir }),
      );
    }
  }
  for (const f of functions) {
    const fnRegion = propsOf(f.resource)?.region;
    f.triggers.forEach((t, i) => {
      if (t.kind !== 'mns-queue') return;
      const queue = byName.get(t.queueName);
      if (!queue) {
        warnings.push(
          `${f.name}: trigger ${t.triggerName} reads queue ${t.queueName}, which no ros resource declares`,
        );
        return;
      }
      const region = queue.region;
      if (region && fnRegion && region !== fnRegion) {
        // EventBridge reads the queue in the function's region, where s deploy did not create it.
        throw source.error(
          ['resources', f.resource, 'props', 'triggers', i],
          `reads queue ${t.queueName}, which the ROS stack creates in ${region}, but the function is in ${fnRegion}: the trigger would find no queue`,
        );
      }
    });
  }

  const project: Project = {
    file: spec.file,
    name: spec.name,
    flows,
    queues: deadLetterTargetsFirst(queues, byName),
    functions,
  };
  if (warnings.length > 0) project.warnings = warnings;
  return project;
}

/**
 * The queues in declaration order, except that a DlqPolicy target comes before
 * the queues that name it: the stack creates queues in this order, and a
 * target created first keeps its own attributes (a DLQ that does not exist yet
 * is made with default ones). A cycle keeps its declaration order.
 */
function deadLetterTargetsFirst(
  queues: readonly ProjectQueue[],
  byName: ReadonlyMap<string, ProjectQueue>,
): ProjectQueue[] {
  const ordered: ProjectQueue[] = [];
  const seen = new Set<string>();
  const visit = (q: ProjectQueue) => {
    if (seen.has(q.name)) return;
    seen.add(q.name);
    const target = q.attributes.DeadLetterQueue
      ? byName.get(q.attributes.DeadLetterQueue)
      : undefined;
    if (target) visit(target);
    ordered.push(q);
  };
  for (const q of queues) visit(q);
  return ordered;
}

function checkUnique<T>(
  source: YamlSource,
  items: T[],
  key: (t: T) => string,
  at: (t: T) => NodePath,
  what: string,
): void {
  const seen = new Set<string>();
  for (const item of items) {
    if (seen.has(key(item)))
      throw source.error(at(item), `${what} name "${key(item)}" is used twice`);
    seen.add(key(item));
  }
}

function readFlow(
  source: YamlSource,
  resource: string,
  props: unknown,
  baseDir: string,
  warnings: string[],
): ProjectFlow {
  const p = createPropsReader(source, ['resources', resource, 'props'], props);
  const region = p.string('region');
  if (!FLOW_REGIONS.includes(region)) {
    warnings.push(
      `${resource}: region ${region} is not one the flow component deploys to (${FLOW_REGIONS.join(', ')}): \`s deploy\` would stop there; the flow runs here`,
    );
  }
  if (typeof p.value.definition !== 'string') {
    throw p.error(
      `must be the path of an FDL file (write it as \${path('./flows/x.flow.yaml')})`,
      'definition',
    );
  }
  const definition = p.string('definition');
  if (!isAbsolute(definition)) {
    warnings.push(
      `${resource}: the flow component reads definition relative to the current folder; use \${path('${definition}')}`,
    );
  }
  const definitionFile = resolvePath(baseDir, definition);
  if (!existsSync(definitionFile)) throw p.error(`file not found: ${definitionFile}`, 'definition');
  const type = p.optionalString('type');
  if (type !== undefined && type !== 'FDL') throw p.error(`must be FDL, got "${type}"`, 'type');
  const flow: ProjectFlow = { resource, name: p.string('name'), definitionFile };
  const roleArn = p.optionalString('roleArn');
  if (roleArn) flow.roleArn = roleArn;
  const description = p.optionalString('description');
  if (description) flow.description = description;
  const mode = p.optionalString('executionMode');
  if (mode !== undefined) {
    if (mode !== 'Standard' && mode !== 'Express') {
      throw p.error(`must be Standard or Express, got "${mode}"`, 'executionMode');
    }
    flow.executionMode = mode;
  }
  return flow;
}

function readRos(
  source: YamlSource,
  resource: string,
  opts: {
    props: unknown;
    baseDir: string;
    accountId: string;
    region: string | undefined;
    /** What the local stack leaves out, said in its banner. */
    warnings: string[];
  },
): ProjectQueue[] {
  const { props, baseDir, accountId, region, warnings } = opts;
  const p = createPropsReader(source, ['resources', resource, 'props'], props);
  if (p.has('terraform')) {
    warnings.push(
      `${resource}: a terraform stack is not read locally; declare its queues in a ROS template`,
    );
    return [];
  }
  if (typeof p.value.template !== 'string') {
    throw p.error(
      `must be the path of the ROS template (write it as \${path('./infra/ros.yaml')})`,
      'template',
    );
  }
  const templateFile = resolvePath(baseDir, p.string('template'));
  const template = readYamlSource(templateFile, baseDir, () =>
    p.error(`cannot read the ROS template ${templateFile}`, 'template'),
  );
  const queues = readRosQueues(
    {
      template,
      parameters: p.object('parameters', false).value,
      region: p.optionalString('region') ?? region ?? LOCAL_REGION,
      accountId,
    },
    (w) => warnings.push(`${resource}: ${w}`),
  );
  // Only a region the resource names is compared with the triggers' (a default is a guess).
  if (!p.has('region')) for (const q of queues) delete q.region;
  return queues;
}
