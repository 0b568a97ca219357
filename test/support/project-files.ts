// s.yaml projects written to a scratch folder, for the loader's tests.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { stringify } from 'yaml';
import { ProjectError } from '../../local/project/load';

/**
 * Project folders for one test file, removed after it. `write` puts s.yaml
 * (an object or raw text) in a fresh folder, with `infra/ros.yaml` when `ros`
 * is given and `flows/main.flow.yaml` when `flow` is true; it returns the
 * s.yaml path.
 */
export function projectFolders(prefix: string) {
  const scratch = mkdtempSync(join(tmpdir(), prefix));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));
  let n = 0;
  return {
    write(spec: unknown, options: { ros?: unknown; flow?: boolean } = {}): string {
      const dir = join(scratch, `p${n++}`);
      mkdirSync(join(dir, 'infra'), { recursive: true });
      if (options.ros !== undefined) {
        writeFileSync(join(dir, 'infra/ros.yaml'), stringify(options.ros));
      }
      if (options.flow) {
        mkdirSync(join(dir, 'flows'), { recursive: true });
        writeFileSync(join(dir, 'flows/main.flow.yaml'), 'version: v1\n');
      }
      const file = join(dir, 's.yaml');
      writeFileSync(file, typeof spec === 'string' ? spec : stringify(spec));
      return file;
    },
  };
}

/** A ros resource `infra` deploying ./infra/ros.yaml in cn-hangzhou. */
export function infraResource() {
  return {
    component: 'ros',
    props: {
      region: 'cn-hangzhou',
      name: 'infra',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: s.yaml's own ${...} syntax
      template: "${path('./infra/ros.yaml')}",
    },
  };
}

/** An EventBridge MNS trigger on queue `jobs`; `extra` adds triggerConfig keys (runOptions...). */
export function mnsTrigger(
  extra: Record<string, unknown> = {},
  deliveryOption: Record<string, unknown> = { mode: 'event-streaming' },
) {
  return {
    triggerName: 'q',
    triggerType: 'eventbridge',
    triggerConfig: {
      eventSourceConfig: {
        eventSourceType: 'MNS',
        eventSourceParameters: { sourceMNSParameters: { QueueName: 'jobs' } },
      },
      eventSinkConfig: { deliveryOption },
      ...extra,
    },
  };
}

/**
 * An s.yaml with one fc3 function, `worker`, triggered by queue `jobs`
 * (`props` override its props), and with `infra: true` a ros resource
 * reading ./infra/ros.yaml. `top` adds top-level keys.
 */
// biome-ignore lint/suspicious/noExplicitAny: tests reach into the fixture to change one key
export function workerSpec(options: WorkerSpecOptions = {}): any {
  return {
    edition: '3.0.0',
    name: 'fixture',
    access: 'default',
    ...options.top,
    resources: {
      ...(options.infra ? { infra: infraResource() } : {}),
      worker: {
        component: 'fc3',
        props: {
          region: 'cn-hangzhou',
          functionName: 'worker',
          runtime: 'nodejs20',
          code: './dist/worker',
          handler: 'index.handler',
          triggers: [mnsTrigger()],
          ...options.props,
        },
      },
    },
  };
}

export interface WorkerSpecOptions {
  props?: Record<string, unknown>;
  top?: Record<string, unknown>;
  infra?: boolean;
}

/** The ProjectError `load` throws; anything else (or nothing) fails the test. */
export function projectErrorOf(load: () => unknown): ProjectError {
  try {
    load();
  } catch (e) {
    if (e instanceof ProjectError) return e;
    throw e;
  }
  throw new Error('loadProject did not fail');
}

/** The project's s.yaml text with a timer trigger on task-worker, which the local stack does not run. */
export function withTimerTrigger(sYaml: string): string {
  const text = sYaml.replace(
    '      triggers:\n        - triggerName: tasks-queue',
    [
      '      triggers:',
      '        - triggerName: nightly',
      '          triggerType: timer',
      '          triggerConfig: { cronExpression: "@every 1m", enable: true }',
      '        - triggerName: tasks-queue',
    ].join('\n'),
  );
  if (!text.includes('nightly')) throw new Error('s.yaml no longer has the tasks-queue trigger');
  return text;
}
