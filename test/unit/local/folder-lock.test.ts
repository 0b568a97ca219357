import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DataFolderInUseError, LOCK_FILE, LOCK_INFO_FILE } from '../../../local/store/folder-lock';
import { openStore } from '../../../local/store/store';
import { useTempDirs } from '../../support/temp-dirs';

const children: ChildProcess[] = [];
const temp = useTempDirs('qf-lock-');
afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
});

const refusal = (dir: string): unknown => {
  try {
    openStore({ dataDir: dir }).close();
  } catch (e) {
    return e;
  }
  return undefined;
};

/** Another process that takes the folder with the real lock code, and says so. */
async function holdInAnotherProcess(dir: string): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      '-e',
      `import('./local/store/folder-lock.ts').then((m) => { m.lockDataFolder(${JSON.stringify(dir)}); console.log('held'); setInterval(() => {}, 1000); });`,
    ],
    { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'inherit'] },
  );
  children.push(child);
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d) => String(d).includes('held') && resolve());
    child.once('exit', (code) => reject(new Error(`lock holder exited (${code})`)));
  });
  return child;
}

describe('one stack per data folder', () => {
  it('refuses a second store in this process on a held folder, naming the folder and the holder', () => {
    const dir = temp();
    const first = openStore({ dataDir: dir });
    try {
      const err = refusal(dir);
      expect(err).toBeInstanceOf(DataFolderInUseError);
      expect((err as Error).message).toContain(dir);
      expect((err as Error).message).toContain(`pid ${process.pid}`);
      expect((err as Error).message).toContain('--data-dir');
    } finally {
      first.close();
    }
  });

  it('refuses a second store on the same folder reached by another path (a symlink)', () => {
    const dir = temp();
    const link = join(temp(), 'link');
    symlinkSync(dir, link);
    const first = openStore({ dataDir: dir });
    try {
      expect(refusal(link)).toBeInstanceOf(DataFolderInUseError);
    } finally {
      first.close();
    }
  });

  it('frees the folder on close, for the next stack', () => {
    const dir = temp();
    openStore({ dataDir: dir }).close();
    expect(existsSync(join(dir, LOCK_INFO_FILE))).toBe(false);
    const again = openStore({ dataDir: dir });
    expect(JSON.parse(readFileSync(join(dir, LOCK_INFO_FILE), 'utf8')).pid).toBe(process.pid);
    again.close();
  });

  it('refuses a folder another live process holds, and takes it once that process is killed', async () => {
    const dir = temp();
    const holder = await holdInAnotherProcess(dir);
    const err = refusal(dir);
    expect(err).toBeInstanceOf(DataFolderInUseError);
    expect((err as Error).message).toContain(`pid ${holder.pid}`);
    const exited = new Promise((r) => holder.once('exit', r));
    holder.kill('SIGKILL'); // no cleanup runs: the OS drops the lock with the process
    await exited;
    openStore({ dataDir: dir }).close();
  });

  it('replaces a lock file that is not a lock (an older format, or garbage)', () => {
    const dir = temp();
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: 1, since: 'earlier' }));
    openStore({ dataDir: dir }).close();
  });

  it('keeps no lock for an in-memory store', () => {
    const a = openStore({ memory: true });
    const b = openStore({ memory: true });
    a.close();
    b.close();
  });
});
