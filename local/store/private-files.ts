// The data folder holds the task-token secret and every execution's data: it is
// made for this user alone (0700, files 0600), and nothing in it is followed
// out of it. A link planted where a file of ours goes (queueflow.lock.json ->
// ~/.bashrc) would have been overwritten through; a folder others can write to
// lets them plant one.
import {
  chmodSync,
  closeSync,
  constants,
  existsSync,
  fchmodSync,
  fstatSync,
  ftruncateSync,
  lstatSync,
  mkdirSync,
  openSync,
  type Stats,
  statSync,
  writeSync,
} from 'node:fs';
import { dirname, resolve } from 'node:path';

const NO_FOLLOW = constants.O_NOFOLLOW ?? 0;

/**
 * Makes `dir` (0700) if it is missing, and narrows one of this user's to 0700
 * (older versions made it 0755, or 0775 under umask 002). What others may have
 * planted in it while it was open is refused file by file (privateFile). A
 * folder another user owns is refused: they could plant or swap files at will.
 */
export function privateFolder(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (err) {
    throw fileInTheWay(dir) ?? err;
  }
  // POSIX owners and modes only: Windows reports modes that mean nothing here.
  if (process.platform === 'win32') return;
  // The folder itself may be a link (a user's choice): what it points at counts.
  const st = statSync(dir);
  if (st.uid !== process.getuid?.()) {
    throw new Error(
      `it belongs to another user (uid ${st.uid}), who could plant or swap files where queueflow keeps its secret; use a folder of your own`,
    );
  }
  if ((st.mode & 0o077) !== 0) chmodSync(dir, 0o700);
}

/** A file where `dir` or a folder above it should be (mkdir's EEXIST/ENOTDIR), said plainly. */
function fileInTheWay(dir: string): Error | undefined {
  for (let path = resolve(dir); ; path = dirname(path)) {
    if (existsSync(path)) {
      if (statSync(path).isDirectory()) return undefined;
      const what = path === resolve(dir) ? 'it is' : `it lies under ${path}, which is`;
      return new Error(`${what} a file, not a folder (a missing folder is created)`);
    }
    if (dirname(path) === path) return undefined;
  }
}

/**
 * Refuses `file` when it is a symbolic link, and makes it 0600: created empty
 * when missing (with `create`), narrowed when an older queueflow made it 0644.
 */
export function privateFile(file: string, create = true): void {
  let st: Stats;
  try {
    st = lstatSync(file);
  } catch (err) {
    if ((err as { code?: string }).code !== 'ENOENT') throw err;
    if (create) {
      const flags = constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY | NO_FOLLOW;
      closeSync(openSync(file, flags, 0o600));
    }
    return;
  }
  if (st.isSymbolicLink()) throw linkRefused(file);
  if (process.platform === 'win32') return;
  // Planted by someone else, it would hold the token secret where they can read
  // it; a second name (a hard link planted while the folder was open) would
  // have writes go to a file of the user's elsewhere.
  checkOwnFile(file, st);
  chmodSync(file, 0o600);
}

/** Refuses a file that is not a plain file of this user's with one name. */
function checkOwnFile(file: string, st: Stats): void {
  if (!st.isFile()) throw new UnsafeFileError(`${file} is not a plain file`);
  if (st.uid !== process.getuid?.()) {
    throw new UnsafeFileError(
      `${file} belongs to another user (uid ${st.uid}); queueflow keeps its secret in files of its own`,
    );
  }
  if (st.nlink > 1) {
    throw new UnsafeFileError(
      `${file} has another name (a hard link); queueflow keeps files of its own`,
    );
  }
}

/**
 * Writes `text` to `file` (0600) without following a link there, and without
 * writing through a second name: it is checked before it is emptied.
 */
export function writePrivateFile(file: string, text: string): void {
  let fd: number;
  try {
    fd = openSync(file, constants.O_CREAT | constants.O_WRONLY | NO_FOLLOW, 0o600);
  } catch (err) {
    if ((err as { code?: string }).code === 'ELOOP') throw linkRefused(file);
    throw err;
  }
  try {
    if (process.platform !== 'win32') {
      checkOwnFile(file, fstatSync(fd));
      fchmodSync(fd, 0o600); // one an older version left 0644
    }
    ftruncateSync(fd, 0);
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
}

/** A data-folder file that is not queueflow's own: a link, a second name, another user's. */
export class UnsafeFileError extends Error {
  override readonly name = 'UnsafeFileError';
}

function linkRefused(file: string): UnsafeFileError {
  return new UnsafeFileError(
    `${file} is a symbolic link; queueflow does not follow links in its data folder`,
  );
}
