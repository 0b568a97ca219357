import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { LOCAL_ACCESS_KEY_ID, LOCAL_ACCESS_KEY_SECRET } from '../../local/credentials';
import { signAcs3 } from '../support/acs3-sign';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dataDir = mkdtempSync(join(tmpdir(), 'queueflow-serve-'));

describe('queueflow local --demo (what npm start runs)', () => {
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('keeps serving after the demo, starts more executions over HTTP, and stops cleanly on Ctrl-C', async () => {
    const child = spawn(
      process.execPath,
      ['bin/queueflow.js', 'local', '--demo', '--port', '0', '--data-dir', dataDir],
      { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const exited = new Promise<number | null>((resolve) =>
      child.on('exit', (code) => resolve(code)),
    );
    try {
      const deadline = Date.now() + 45_000;
      while (!stdout.includes('Press Ctrl-C to stop.')) {
        if (Date.now() > deadline || child.exitCode !== null) {
          throw new Error(`not ready:\n${stdout}\n${stderr}`);
        }
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(stdout).toMatch(/Status {2}Succeeded/);
      const endpoint = /endpoint {4}(http:\/\/127\.0\.0\.1:\d+)/.exec(stdout)?.[1];
      expect(stdout).toContain(`Console     ${endpoint}/console`);
      // On a port other than 9300 the hints name it, so they work pasted as shown.
      expect(stdout).toContain(
        `npx queueflow start-execution queueflow-demo --endpoint ${endpoint} --input`,
      );
      expect(stdout).toContain(`npx queueflow invoke <function> --endpoint ${endpoint} [-e`);
      // The stack is still up: start another execution through start-flow's HTTP trigger.
      // The trigger has authType function, so the call is signed with the local key.
      const url = `${endpoint}/fc/start-flow/?wait=20`;
      const sent = JSON.stringify({
        input: { source: 'orders-2026-12.csv' },
        executionName: 'after-the-demo',
      });
      const headers = signAcs3({
        method: 'POST',
        url,
        headers: { 'content-type': 'application/json' },
        body: sent,
        accessKeyId: LOCAL_ACCESS_KEY_ID,
        accessKeySecret: LOCAL_ACCESS_KEY_SECRET,
      });
      const res = await fetch(url, { method: 'POST', headers, body: sent });
      const body = await res.text();
      expect(res.status, body).toBe(200);
      expect(JSON.parse(body)).toMatchObject({ status: 'Succeeded' });
    } finally {
      child.kill('SIGINT');
    }
    expect(await exited).toBe(0);
  }, 90_000);
});
