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
