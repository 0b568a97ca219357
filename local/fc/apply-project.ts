import { readFileSync } from 'node:fs';
import { dirname, relative } from 'node:path';
import type { Logger } from '../log';
import type { Project, ProjectFlow, ProjectQueue } from '../project/model';
import type { FunctionRuntime } from './runtime';

/** The slice of the queue service that applying a project needs. */
export interface ProjectQueueApi {
  createQueue(name: string, attributes?: ProjectQueue['attributes']): void;
}

/** The slice of the flow engine that applying a project needs (API-shaped). */
export interface ProjectFlowApi {
  describeFlow(req: { Name: string }): unknown;
  createFlow(req: {
    Name: string;
    Definition: string;
    Description?: string;
    Type: 'FDL';
    RoleArn?: string;
    ExecutionMode?: string;
  }): unknown;
  updateFlow(req: {
    Name: string;
    Definition: string;
    Description?: string;
    RoleArn?: string;
  }): unknown;
}

/** What `applyProject` did, for the startup output. */
export interface AppliedProject {
  queues: string[];
  flows: Array<{ name: string; action: 'created' | 'updated' }>;
  functions: string[];
}

/**
 * Makes the local stack match s.yaml, the way `s deploy` makes the cloud match
 * it: queues are ensured, flows created or updated in place (a restart on the
 * same data folder never duplicates them, and running executions carry on),
 * then the functions start and their triggers begin consuming.
 */
export async function applyProject(options: {
  project: Project;
  queues: ProjectQueueApi;
  engine: ProjectFlowApi;
  functions: FunctionRuntime;
  logger: Logger;
}): Promise<AppliedProject> {
  const { project, queues, engine, functions, logger } = options;
  const applied: AppliedProject = { queues: [], flows: [], functions: [] };
  for (const q of project.queues) {
    queues.createQueue(q.name, q.attributes);
    applied.queues.push(q.name);
  }
  for (const f of project.flows) {
    const definition = readFileSync(f.definitionFile, 'utf8');
    const common = {
      Name: f.name,
      Definition: definition,
      ...(f.description ? { Description: f.description } : {}),
      ...(f.roleArn ? { RoleArn: f.roleArn } : {}),
    };
    let exists = true;
    try {
      await engine.describeFlow({ Name: f.name });
    } catch {
      exists = false;
    }
    try {
      if (exists) await engine.updateFlow(common);
      else {
        await engine.createFlow({
          ...common,
          Type: 'FDL',
          ...(f.executionMode ? { ExecutionMode: f.executionMode } : {}),
        });
      }
    } catch (err) {
      throw inFlowFile(err, f, project.file);
    }
    applied.flows.push({ name: f.name, action: exists ? 'updated' : 'created' });
  }
  await functions.deploy(project.functions);
  applied.functions.push(...project.functions.map((fn) => fn.name));
  logger.debug('project applied', {
    queues: applied.queues.length,
    flows: applied.flows.length,
    functions: applied.functions.length,
  });
  return applied;
}

/**
 * A flow s.yaml declares was refused (an invalid definition, a limit): the
 * error names the flow and its file, which the engine's own message cannot.
 */
function inFlowFile(err: unknown, flow: ProjectFlow, projectFile: string): Error {
  const file = relative(dirname(projectFile), flow.definitionFile) || flow.definitionFile;
  const message = err instanceof Error ? err.message : String(err);
  const wrapped = new Error(`flow ${flow.name} (${file}, from s.yaml): ${message}`, {
    cause: err,
  });
  const code = (err as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string') Object.assign(wrapped, { code });
  return wrapped;
}
