// `queueflow local` stops cleanly on a signal at any point, startup included.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

describe('queueflow local and signals', () => {
  it('stops with 143 on a SIGTERM that comes while it starts, before the demo runs', async () => {
    const child = spawn(
      process.execPath,
      ['bin/queueflow.js', 'local', '--port', '0', '--memory', '--once'],
      { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
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

  it('stops cleanly on the SIGHUP of a closed terminal while it serves, and exits 0', async () => {
    const child = spawn(
      process.execPath,
      ['bin/queueflow.js', 'local', '--port', '0', '--memory'],
      {
        cwd: root,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    const serving = new Promise<void>((resolve) =>
      child.stdout.on('data', (d) => {
        stdout += d;
        if (stdout.includes('Press Ctrl-C to stop.')) resolve();
      }),
    );
    const exited = new Promise<[number | null, string | null]>((resolve) =>
      child.once('exit', (c, s) => resolve([c, s])),
    );
    await serving;
    // The terminal is gone: what the stop prints fails to write.
    child.stdout.destroy();
    child.stderr.destroy();
    child.kill('SIGHUP');
    const [code, signal] = await exited;
    expect({ code, signal }).toEqual({ code: 0, signal: null });
  }, 60_000);
});
