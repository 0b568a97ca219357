// The data folder holds the task-token secret and every execution's data: it is
// made for this user alone (0700, files 0600), and nothing in it is followed
// out of it. A link planted where a file of ours goes (queueflow.lock.json ->
// ~/.bashrc) would have been overwritten through; a folder others can write to
// lets them plant one.
import {
  chmodSync,
  closeSync,
  constants,
  lstatSync,
  mkdirSync,
  openSync,
  statSync,
  writeSync,
} from 'node:fs';

const NO_FOLLOW = constants.O_NOFOLLOW ?? 0;

/** Makes `dir` (0700) if it is missing; refuses one that others can write to. */
export function privateFolder(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  // The folder itself may be a link (a user's choice): what it points at counts.
  const st = statSync(dir);
  // POSIX modes only: Windows reports 0o666-style modes that mean nothing here.
  if (process.platform === 'win32') return;
  if ((st.mode & 0o022) !== 0) {
    throw new Error(
      `others can write to it (mode ${(st.mode & 0o777).toString(8)}), so they could plant links or files where queueflow keeps its secret; use a folder only you can write to (chmod go-w)`,
    );
  }
  // One an older version made 0755: no one else needs to list it.
  if (st.uid === process.getuid?.() && (st.mode & 0o077) !== 0) chmodSync(dir, 0o700);
}

/**
 * Refuses `file` when it is a symbolic link, and makes it 0600: created empty
 * when missing (with `create`), narrowed when an older queueflow made it 0644.
 */
export function privateFile(file: string, create = true): void {
  let isLink = false;
  try {
    isLink = lstatSync(file).isSymbolicLink();
  } catch (err) {
    if ((err as { code?: string }).code !== 'ENOENT') throw err;
    if (create) {
      const flags = constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY | NO_FOLLOW;
      closeSync(openSync(file, flags, 0o600));
    }
    return;
  }
  if (isLink) throw linkRefused(file);
  if (process.platform === 'win32') return;
  // Planted by someone else, it would hold the token secret where they can read it.
  const owner = lstatSync(file).uid;
  if (owner !== process.getuid?.()) {
    throw new Error(
      `${file} belongs to another user (uid ${owner}); queueflow keeps its secret in files of its own`,
    );
  }
  chmodSync(file, 0o600);
}

/** Writes `text` to `file` (0600) without following a link there. */
export function writePrivateFile(file: string, text: string): void {
  let fd: number;
  try {
    const flags = constants.O_CREAT | constants.O_TRUNC | constants.O_WRONLY | NO_FOLLOW;
    fd = openSync(file, flags, 0o600);
  } catch (err) {
    if ((err as { code?: string }).code === 'ELOOP') throw linkRefused(file);
    throw err;
  }
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
}

/** A symbolic link where a data-folder file goes. */
export class LinkRefusedError extends Error {
  override readonly name = 'LinkRefusedError';
}

function linkRefused(file: string): LinkRefusedError {
  return new LinkRefusedError(
    `${file} is a symbolic link; queueflow does not follow links in its data folder`,
  );
}
