import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dataDir = mkdtempSync(join(tmpdir(), 'queueflow-e2e-'));

function npmStart(
  args: string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['start', '--silent', '--', ...args], {
      cwd: root,
      env: { ...process.env, QUEUEFLOW_DATA_DIR: dataDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`npm start did not exit in time\n${stdout}\n${stderr}`));
    }, 60_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('npm start -- --once', () => {
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('runs the demo on a fresh data folder: three queue tasks, then a succeeded execution', async () => {
    const run = await npmStart(['--once', '--port', '0']);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toContain(`data        ${join(dataDir, 'queueflow.db')}`);
    expect(run.stdout).toContain('flows       queueflow-demo (created)');
    for (const step of ['Task_1', 'Task_2', 'Task_3']) {
      expect(run.stdout).toMatch(new RegExp(`${step}\\s+task sent to queue queueflow-tasks`));
      expect(run.stdout).toMatch(new RegExp(`${step}\\s+reported done`));
    }
    expect(run.stdout).toMatch(/Status {2}Succeeded in \d+ ms/);
    expect(run.stdout).toContain('"table":"staging.orders_2026_11"');
    expect(run.stdout).toContain('Path    Start → Task_1 → Task_2 → Task_3 → End');
  }, 90_000);

  it('resumes cleanly on the same data folder: the flow is updated, not duplicated', async () => {
    const run = await npmStart(['--once', '--port', '0']);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toContain('(resumed: existing state kept)');
    expect(run.stdout).toContain('flows       queueflow-demo (updated)');
    expect(run.stdout).toMatch(/Status {2}Succeeded/);
  }, 90_000);
});
