// Function instances never outlive the stack: not even one whose handler holds
// its thread (so it cannot hear its IPC channel close) when the stack is killed.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { eventually } from '../../../support/eventually';

const gone = (pid: number) => {
  try {
    process.kill(pid, 0);
    return false;
  } catch {
    return true;
  }
};

describe('a stack killed with SIGKILL', () => {
  it('takes a busy function instance with it within seconds', async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(import.meta.dirname, 'stack-child.ts')],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    const pid = await new Promise<number>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d) => {
        out += d;
        const line = out.split('\n').find((l) => l.startsWith('{'));
        if (line) resolve((JSON.parse(line) as { pid: number }).pid);
      });
      child.once('exit', (code) =>
        reject(new Error(`the stack exited (${code}) before its instance was busy`)),
      );
    });
    expect(gone(pid)).toBe(false);
    child.kill('SIGKILL');
    try {
      await eventually(() => gone(pid), 'the spinning instance is gone', 10_000);
    } finally {
      if (!gone(pid)) process.kill(pid, 'SIGKILL');
    }
  });
});
