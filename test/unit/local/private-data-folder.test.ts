// The data folder holds the token secret: only its user can read or write it,
// and nothing in it is followed out of it.
import {
  chmodSync,
  chownSync,
  linkSync,
  mkdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../../local/store/store';
import { useTempDirs } from '../../support/temp-dirs';

const tempDir = useTempDirs('qf-private-');
const modeOf = (path: string) => statSync(path).mode & 0o777;

describe('the data folder', () => {
  it('is made for its user alone: the folder 0700, its files 0600', () => {
    const dataDir = join(tempDir(), 'data');
    const store = openStore({ dataDir });
    store.db.exec('CREATE TABLE t (x); INSERT INTO t VALUES (1)');
    expect(modeOf(dataDir)).toBe(0o700);
    for (const file of [
      'queueflow.db',
      'queueflow.db-wal',
      'queueflow.db-shm',
      'queueflow.lock',
      'queueflow.lock.json',
    ]) {
      expect(modeOf(join(dataDir, file)), file).toBe(0o600);
    }
    store.close();
  });

  it('says plainly when a file stands where a folder above it should be', () => {
    const file = join(tempDir(), 'not-a-folder');
    writeFileSync(file, 'x');
    expect(() => openStore({ dataDir: join(file, 'sub') })).toThrow(
      `it lies under ${file}, which is a file, not a folder`,
    );
  });

  it('narrows the files an older queueflow left readable by others', () => {
    const dataDir = tempDir();
    openStore({ dataDir }).close();
    // As a killed older stack left them, the lock's files included.
    for (const file of ['queueflow.db', 'queueflow.lock.json', 'queueflow.lock-journal']) {
      writeFileSync(
        join(dataDir, file),
        file === 'queueflow.db' ? readFileSync(join(dataDir, file)) : '',
      );
      chmodSync(join(dataDir, file), 0o644);
    }
    const store = openStore({ dataDir });
    for (const file of ['queueflow.db', 'queueflow.lock.json', 'queueflow.lock-journal']) {
      expect(modeOf(join(dataDir, file)), file).toBe(0o600);
    }
    store.close();
  });

  it('refuses a link planted where one of its files goes, and writes nothing through it', () => {
    for (const file of ['queueflow.lock.json', 'queueflow.db', 'queueflow.lock']) {
      const dataDir = tempDir();
      const victim = join(tempDir(), 'bashrc');
      writeFileSync(victim, 'export PATH=$HOME/bin:$PATH\n');
      symlinkSync(victim, join(dataDir, file));
      expect(() => openStore({ dataDir }), file).toThrow(
        /is a symbolic link; queueflow does not follow links/,
      );
      expect(readFileSync(victim, 'utf8')).toBe('export PATH=$HOME/bin:$PATH\n');
      // Refused before the lock was taken, or with it let go: the folder is free again.
      rmSync(join(dataDir, file));
      openStore({ dataDir }).close();
    }
  });

  it('narrows a folder an older version made 0755 to 0700', () => {
    const dataDir = join(tempDir(), 'old');
    mkdirSync(dataDir, { mode: 0o755 });
    chmodSync(dataDir, 0o755);
    openStore({ dataDir }).close();
    expect(modeOf(dataDir)).toBe(0o700);
  });

  it.runIf(process.getuid?.() === 0)('refuses a file of the folder that another user owns', () => {
    const dataDir = tempDir();
    const planted = join(dataDir, 'queueflow.db');
    writeFileSync(planted, '');
    chownSync(planted, 65534, 65534);
    expect(() => openStore({ dataDir })).toThrow(
      /queueflow.db belongs to another user \(uid 65534\)/,
    );
  });

  it('narrows a folder of the user that others could write to, and refuses what they planted', () => {
    const dataDir = join(tempDir(), 'shared');
    mkdirSync(dataDir);
    chmodSync(dataDir, 0o777);
    openStore({ dataDir }).close();
    expect(modeOf(dataDir)).toBe(0o700);
    // A second name planted for a file of the user's elsewhere.
    const victim = join(tempDir(), 'notes.txt');
    writeFileSync(victim, 'mine\n');
    rmSync(join(dataDir, 'queueflow.lock.json'), { force: true });
    linkSync(victim, join(dataDir, 'queueflow.lock.json'));
    expect(() => openStore({ dataDir })).toThrow(/has another name \(a hard link\)/);
    expect(readFileSync(victim, 'utf8')).toBe('mine\n');
  });

  it.runIf(process.getuid?.() === 0)('refuses a folder another user owns, saying why', () => {
    const dataDir = join(tempDir(), 'theirs');
    mkdirSync(dataDir, { mode: 0o755 });
    chownSync(dataDir, 65534, 65534);
    expect(() => openStore({ dataDir })).toThrow(
      /cannot use the data folder .*theirs: it belongs to another user \(uid 65534\)/,
    );
  });
});
