import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { withTimerTrigger } from '../support/project-files';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'queueflow-warn-'));

describe('queueflow local with an s.yaml it cannot run all of', () => {
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('says what it leaves out (here a timer trigger) in its banner, and runs the rest', () => {
    for (const part of ['dist', 'infra', 'flows']) symlinkSync(join(root, part), join(dir, part));
    const text = withTimerTrigger(readFileSync(join(root, 's.yaml'), 'utf8'));
    writeFileSync(join(dir, 's.yaml'), text);
    const run = spawnSync(
      process.execPath,
      [
        join(root, 'bin/queueflow.js'),
        'local',
        '--once',
        '--port',
        '0',
        '--memory',
        '--project',
        join(dir, 's.yaml'),
      ],
      { cwd: dir, encoding: 'utf8', timeout: 60_000 },
    );
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain(
      '  warning     task-worker: timer trigger nightly does not run locally',
    );
    expect(run.stdout).toMatch(/Status {2}Succeeded/);
  });

  it('names the function and the s.yaml key when a code folder is missing', () => {
    const other = mkdtempSync(join(tmpdir(), 'queueflow-nocode-'));
    try {
      for (const part of ['infra', 'flows']) symlinkSync(join(root, part), join(other, part));
      writeFileSync(
        join(other, 's.yaml'),
        readFileSync(join(root, 's.yaml'), 'utf8').replace(
          'code: ./dist/task-worker',
          'code: ./build/worker',
        ),
      );
      const run = spawnSync(
        process.execPath,
        [join(root, 'bin/queueflow.js'), 'local', '--once', '--port', '0', '--memory'],
        { cwd: other, encoding: 'utf8', timeout: 60_000 },
      );
      expect(run.status).toBe(1);
      expect(run.stderr).toContain(
        'task-worker: code folder build/worker does not exist (resources.task-worker.props.code)',
      );
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });
});
