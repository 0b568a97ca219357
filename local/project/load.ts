import { existsSync } from 'node:fs';
import { dirname, isAbsolute, resolve as resolvePath } from 'node:path';
import { LOCAL_ACCOUNT_ID, LOCAL_REGION } from '../credentials';
import { readFc3Function } from './fc3';
import type { Project, ProjectFlow, ProjectFunction, ProjectQueue } from './model';
import { createPropsReader } from './props-reader';
import { createResolver } from './resolve';
import { readRosQueues } from './ros';
import { type NodePath, readYamlSource } from './yaml-source';

export { ProjectError } from './errors';

/** How to resolve the parts of s.yaml that depend on the account and the machine. */
export interface LoadProjectOptions {
  /** `${config('AccountID')}`; default the local stack's account. */
  accountId?: string;
  /** Region for ROS pseudo parameters when a resource names none; default the local region. */
  region?: string;
  /** `${env('X')}`; default process.env. */
  env?: Record<string, string | undefined>;
}

/** The component a resource uses, without version or registry prefix: `fc3@0.1.22` -> `fc3`. */
function componentKind(component: string): string {
  const base = component.split('/').pop() ?? component;
  return base.split('@')[0] ?? base;
}

/**
 * Reads s.yaml (Serverless Devs 3) and what it points to (the ROS template's
 * queues, the flow definition files) into a Project, with the magic variables
 * resolved for the local stack. No network and no `s` involved.
 * Throws ProjectError with the file and the path of the first problem.
 */
export function loadProject(sYamlPath: string, options: LoadProjectOptions = {}): Project {
  const file = resolvePath(sYamlPath);
  const baseDir = dirname(file);
  const accountId = options.accountId ?? LOCAL_ACCOUNT_ID;
  const source = readYamlSource(file, baseDir);
  const resolver = createResolver({
    source,
    baseDir,
    accountId,
    env: options.env ?? process.env,
  });
  const top = createPropsReader(source, [], source.data);
  const edition = String(top.value.edition ?? '');
  if (!edition.startsWith('3.')) {
    throw top.error(
      `must be 3.0.0 (Serverless Devs 3 with resources:), got ${JSON.stringify(top.value.edition ?? null)}`,
      'edition',
    );
  }
  const name = top.string('name');
  const resources = top.object('resources').value;
  const resourceNames = Object.keys(resources);
  if (resourceNames.length === 0) throw top.error('declares no resources', 'resources');

  const warnings: string[] = [];
  const flows: ProjectFlow[] = [];
  const queues: ProjectQueue[] = [];
  const functions: ProjectFunction[] = [];

  for (const resource of resourceNames) {
    const path: NodePath = ['resources', resource];
    const res = createPropsReader(source, path, resources[resource]);
    res.string('component');
    const component = resolver.resolve([...path, 'component']);
    if (typeof component !== 'string') throw res.error('must be a string', 'component');
    const kind = componentKind(component);
    const props = resolver.resolve([...path, 'props']);
    switch (kind) {
      case 'fc3':
        functions.push(readFc3Function({ source, resource, props, baseDir, warnings }));
        break;
      case 'flow':
      case 'fnf':
        flows.push(readFlow(source, resource, props, baseDir, warnings));
        break;
      case 'ros':
        queues.push(...readRos(source, resource, props, baseDir, accountId, options.region));
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
  const seen = new Set<string>();
  for (const q of queues) {
    if (seen.has(q.name)) throw source.error(['resources'], `queue ${q.name} is declared twice`);
    seen.add(q.name);
  }
  for (const f of functions) {
    for (const t of f.triggers) {
      if (t.kind === 'mns-queue' && !seen.has(t.queueName)) {
        warnings.push(
          `${f.name}: trigger ${t.triggerName} reads queue ${t.queueName}, which no ros resource declares`,
        );
      }
    }
  }

  const project: Project = { file, name, flows, queues, functions };
  if (warnings.length > 0) project.warnings = warnings;
  return project;
}

function checkUnique<T>(
  source: ReturnType<typeof readYamlSource>,
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
  source: ReturnType<typeof readYamlSource>,
  resource: string,
  props: unknown,
  baseDir: string,
  warnings: string[],
): ProjectFlow {
  const p = createPropsReader(source, ['resources', resource, 'props'], props);
  p.string('region');
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
  return flow;
}

function readRos(
  source: ReturnType<typeof readYamlSource>,
  resource: string,
  props: unknown,
  baseDir: string,
  accountId: string,
  region: string | undefined,
): ProjectQueue[] {
  const p = createPropsReader(source, ['resources', resource, 'props'], props);
  if (p.has('terraform')) return [];
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
  return readRosQueues({
    template,
    parameters: p.object('parameters', false).value,
    region: p.optionalString('region') ?? region ?? LOCAL_REGION,
    accountId,
  });
}
