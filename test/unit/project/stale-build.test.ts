import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Project, ProjectFunction } from '../../../local/project/model';
import { staleBuildWarning } from '../../../local/project/stale-build';
import { useTempDirs } from '../../support/temp-dirs';

const temp = useTempDirs('qf-stale-');
const T0 = new Date('2026-11-29T10:00:00Z');
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);

/** A project folder: a built task-worker bundle and its sources, each with a time. */
function project(times: { bundle: number; handler: number; shared: number }, codeDir?: string) {
  const root = temp();
  const file = (path: string, minutes: number) => {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), '// code\n');
    utimesSync(join(root, path), at(minutes), at(minutes));
  };
  file('dist/task-worker/index.js', times.bundle);
  file('functions/task-worker/handlers.ts', times.handler);
  file('shared/task/registry.ts', times.shared);
  const fn = { name: 'task-worker', codeDir: codeDir ?? join(root, 'dist/task-worker') };
  return {
    file: join(root, 's.yaml'),
    name: 'p',
    flows: [],
    queues: [],
    functions: [fn as ProjectFunction],
  } satisfies Project;
}

describe('staleBuildWarning', () => {
  it('names the source edited after the bundle was built, and the command that rebuilds', () => {
    const warning = staleBuildWarning(project({ bundle: 0, handler: 5, shared: -5 }));
    expect(warning).toBe(
      'dist/ is older than functions/task-worker/handlers.ts (changed 10:05:00 UTC, built 10:00:00 UTC): the functions run the last build; run `npm run build` (npm start builds first)',
    );
  });

  it('says nothing when the bundle is newer than every source', () => {
    expect(staleBuildWarning(project({ bundle: 10, handler: 5, shared: 9 }))).toBeUndefined();
  });

  it('leaves alone a function whose code is not under the project dist/', () => {
    // The bundle of another project folder (its own sources are newer too).
    const elsewhere = project({ bundle: 0, handler: 5, shared: 5 }).functions[0]?.codeDir ?? '';
    expect(
      staleBuildWarning(project({ bundle: 0, handler: 5, shared: 5 }, elsewhere)),
    ).toBeUndefined();
  });
});
