/**
 * True once no process has id `pid` (signal 0 only asks whether it exists). A
 * process this one may not signal (EPERM) still exists.
 */
export function processGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
