import { execFileSync } from 'node:child_process';

/** A process as `ps` lists it. */
export interface ListedProcess {
  pid: number;
  pgid: number;
  args: string;
}

/** Every process `ps` lists, with its process group and command line. */
export function listProcesses(): ListedProcess[] {
  return execFileSync('ps', ['-e', '-o', 'pid=,pgid=,args='], { encoding: 'utf8' })
    .split('\n')
    .map((line) => line.trim().match(/^(\d+)\s+(\d+)\s+(.*)$/))
    .filter((m): m is RegExpMatchArray => m !== null)
    .map((m) => ({ pid: Number(m[1]), pgid: Number(m[2]), args: m[3] ?? '' }));
}

/**
 * The function instance hosts whose command line names `marker` (an instance is
 * forked as `node instance-host.cjs <codeDir> <handler>`, so a code folder under a
 * test's own temp folder tells its instances from any other stack's).
 */
export function instanceProcesses(marker: string): ListedProcess[] {
  return listProcesses().filter((p) => p.args.includes('instance-host') && p.args.includes(marker));
}

/**
 * What is still running of the instance process groups `groups` (an instance
 * leads its own group): instance hosts, and the lifeline shells
 * (`/bin/sh -c read -r _; kill -KILL 0`) that end a group when the stack dies.
 * Other processes that happen to reuse such a group id are left out.
 */
export function processesInGroups(groups: ReadonlySet<number>): ListedProcess[] {
  return listProcesses().filter(
    (p) =>
      groups.has(p.pgid) &&
      (p.args.includes('instance-host') || p.args.startsWith('/bin/sh -c read -r _')),
  );
}
