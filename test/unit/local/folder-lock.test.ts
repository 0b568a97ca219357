import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DataFolderInUseError, LOCK_FILE } from '../../../local/store/folder-lock';
import { openStore } from '../../../local/store/store';

const dirs: string[] = [];
const temp = () => {
  const d = mkdtempSync(join(tmpdir(), 'qf-lock-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A pid that was alive a moment ago and is not now. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(r.stdout.toString());
}

describe('one stack per data folder', () => {
  it('refuses a second store on a folder a live process holds, naming the folder and the holder', () => {
    const dir = temp();
    const first = openStore({ dataDir: dir });
    try {
      let err: unknown;
      try {
        openStore({ dataDir: dir }).close();
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(DataFolderInUseError);
      expect((err as Error).message).toContain(dir);
      expect((err as Error).message).toContain(`pid ${process.pid}`);
      expect((err as Error).message).toContain('--data-dir');
    } finally {
      first.close();
    }
  });

  it('refuses a second store in this process on the same folder reached by another path (a symlink)', () => {
    const dir = temp();
    const link = join(temp(), 'link');
    symlinkSync(dir, link, 'dir');
    const first = openStore({ dataDir: dir });
    try {
      expect(() => openStore({ dataDir: link }).close()).toThrow(DataFolderInUseError);
    } finally {
      first.close();
    }
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
  });

  it('frees the folder on close, for the next stack', () => {
    const dir = temp();
    openStore({ dataDir: dir }).close();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
    const again = openStore({ dataDir: dir });
    expect(JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8')).pid).toBe(process.pid);
    again.close();
  });

  it('takes over a lock left by a process that is gone (a crash or SIGKILL), and a half-written one', () => {
    const dir = temp();
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: deadPid(), since: 'earlier' }));
    openStore({ dataDir: dir }).close();
    writeFileSync(join(dir, LOCK_FILE), '{"pi');
    openStore({ dataDir: dir }).close();
  });

  it("takes over a lock bearing this process's own pid that this process does not hold (a restarted container's pid 1)", () => {
    const dir = temp();
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: process.pid, since: 'before' }));
    openStore({ dataDir: dir }).close();
  });

  it.runIf(existsSync('/proc/self/stat'))(
    'tells a live holder from a later process that reuses its pid, by its start time',
    async () => {
      const dir = temp();
      const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)']);
      try {
        const pid = other.pid!;
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        const started = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
        const lock = (s: number) =>
          writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid, since: 'now', started: s }));
        lock(started);
        expect(() => openStore({ dataDir: dir })).toThrow(DataFolderInUseError);
        lock(started - 1); // the pid's holder was an earlier process
        openStore({ dataDir: dir }).close();
      } finally {
        other.kill('SIGKILL');
      }
    },
  );

  it('keeps no lock for an in-memory store', () => {
    const a = openStore({ memory: true });
    const b = openStore({ memory: true });
    a.close();
    b.close();
  });
});
