// Function instances never outlive the stack: not even one whose handler holds
// its thread (so it cannot hear its IPC channel close) when the stack is killed.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { eventually } from '../../../support/eventually';
import { processGone as gone } from '../../../support/process-gone';
import { listProcesses } from '../../../support/processes';

/** The processes of process group `pgid` (an instance leads its own), with their command lines. */
const groupMembers = (pgid: number) => listProcesses().filter((p) => p.pgid === pgid);

describe('a stack killed with SIGKILL', () => {
  it('takes a busy function instance with it within seconds', async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(import.meta.dirname, 'stack-child.ts')],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let pid: number | undefined;
    try {
      pid = await new Promise<number>((resolve, reject) => {
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
      const group = pid;
      expect(gone(group)).toBe(false);
      // What ends the group: a shell blocked reading the stack's socket (not the fallback thread).
      await eventually(
        () => groupMembers(group).some((p) => p.args.startsWith('/bin/sh -c read')),
        'the lifeline shell is in the instance group',
        // A wait, not a speed claim: on a loaded 2-core box the shell can take seconds to show.
        15_000,
      );
      child.kill('SIGKILL');
      await eventually(() => groupMembers(group).length === 0, 'the whole group is gone', 10_000);
    } finally {
      // Whatever failed, nothing of it outlives the test.
      child.kill('SIGKILL');
      if (pid !== undefined && !gone(pid)) process.kill(-pid, 'SIGKILL');
    }
  });
});
