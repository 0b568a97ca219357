/** True once no process has id `pid` (signal 0 only asks whether it exists). */
export function processGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch {
    return true;
  }
}
