// `queueflow local` stops cleanly on a signal at any point, startup included.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LOCK_INFO_FILE } from '../../local/store/folder-lock';
import { createFnfSdk } from '../integration/flow/fnf-sdk';
import {
  closeTerminal,
  localStackArgs,
  READY_LINE,
  ROOT,
  spawnCli,
  useCli,
} from '../support/spawn-cli';
import { useTempDirs } from '../support/temp-dirs';

const tempDir = useTempDirs('queueflow-signals-');
useCli();

describe('queueflow local and signals', () => {
  it('stops with 143 on a SIGTERM that comes while it starts, before the demo runs', async () => {
    const child = spawn(
      process.execPath,
      ['bin/queueflow.js', 'local', '--port', '0', '--memory', '--once'],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    child.stdout.on('data', (d) => {
      stdout += d;
      // The first line is printed before the stack starts.
      if (stdout.includes('Starting the local stack')) child.kill('SIGTERM');
    });
    const [code, signal] = await new Promise<[number | null, string | null]>((resolve) =>
      child.once('exit', (c, s) => resolve([c, s])),
    );
    expect({ code, signal }).toEqual({ code: 143, signal: null });
    expect(stdout).not.toContain('Running the demo');
  });

  it('stops cleanly on the SIGHUPs of a closed terminal while it serves, and exits 0', async () => {
    const dataDir = tempDir();
    const cli = spawnCli(['local', '--port', '0', '--data-dir', dataDir]);
    await cli.waitFor(/Press Ctrl-C to stop\./, 30_000);
    expect(existsSync(join(dataDir, LOCK_INFO_FILE))).toBe(true);
    // What the stop prints fails to write.
    await closeTerminal(cli);
    // Exit code 0, not null: it stopped itself rather than die by the signal.
    expect(await cli.exited).toBe(0);
    // The stop ran to its end: the data folder's lock was let go (an exit on the
    // spot leaves its holder file behind).
    expect(existsSync(join(dataDir, LOCK_INFO_FILE))).toBe(false);
  }, 60_000);

  it('stops cleanly when its output goes away while it serves (the reader quit), and exits 0', async () => {
    const dataDir = tempDir();
    const cli = spawnCli(localStackArgs({ port: 0, dataDir, project: join(ROOT, 's.yaml') }));
    const ready = await cli.waitFor(READY_LINE, 30_000);
    const { endpoint, accessKeyId, accessKeySecret } = JSON.parse(ready[0]) as Record<
      string,
      string
    >;
    // Nobody reads its output any more: the next line it logs (the task-worker's,
    // once the execution below runs a task) fails with EPIPE.
    cli.child.stdout?.destroy();
    cli.child.stderr?.destroy();
    const fnf = createFnfSdk({
      endpoint: endpoint!,
      credentials: { accessKeyId: accessKeyId!, accessKeySecret: accessKeySecret! },
    });
    await fnf.call('StartExecution', {
      FlowName: 'queueflow-demo',
      Input: JSON.stringify({ source: 'closed.csv' }),
    });
    expect(await cli.exited).toBe(0);
    // A clean stop, not an exit on the spot: the folder's holder file is gone.
    expect(existsSync(join(dataDir, LOCK_INFO_FILE))).toBe(false);
  }, 60_000);
});
