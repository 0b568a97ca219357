// The path `npm start` runs, under crashes: `queueflow local` on the repository's own
// s.yaml (the flow sends task messages to the queue, the EventBridge-style MNS trigger
// pushes them to the built task-worker function in its own child processes, whose
// handlers report back with ReportTaskSucceeded), SIGKILLed at seeded random moments
// and restarted on the same data folder and port. "A crash at any instant loses no
// message and no execution": every execution must end Succeeded with the handlers'
// output, each step succeeding once, with nothing left in the queues and no function
// instance outliving the stack. The queue keeps s.yaml's 120 s visibility timeout: a
// message a kill left hidden (not handed back at the restart) would hold its execution
// past the test's deadline.
import { cpSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { registry } from '../../functions/task-worker/handlers';
import {
  LOCAL_ACCESS_KEY_ID,
  LOCAL_ACCESS_KEY_SECRET,
  LOCAL_ACCOUNT_ID,
} from '../../local/credentials';
import { createFnfSdk } from '../integration/flow/fnf-sdk';
import { eventually } from '../support/eventually';
import { freePort } from '../support/free-port';
import { createSdkClient as createMnsSdk, queueCounts } from '../support/mns-sdk';
import { instanceProcesses, processesInGroups } from '../support/processes';
import { retrying } from '../support/retrying';
import { createRandom } from '../support/seeded-random';
import {
  type CliProcess,
  localStackArgs,
  READY_LINE,
  ROOT,
  spawnCli,
  useCli,
} from '../support/spawn-cli';
import { useTempDirs } from '../support/temp-dirs';

// QUEUEFLOW_FN_CRASH_SEED replays a run's kill schedule (printed with the counts): the
// burst sizes, the handler report after which each kill comes, the startup kills.
const SEED = Number(process.env.QUEUEFLOW_FN_CRASH_SEED ?? Date.now() % 2 ** 32);
const EXECUTIONS = Number(process.env.QUEUEFLOW_FN_CRASH_EXECUTIONS ?? 40);
const KILLS = Number(process.env.QUEUEFLOW_FN_CRASH_KILLS ?? 7);
const FLOW = 'queueflow-demo';
const QUEUE = 'queueflow-tasks';
const DLQ = 'queueflow-tasks-dlq';
// s.yaml's: a message left hidden after a kill would come back only this much later.
const VISIBILITY_SECONDS = 120;

useCli();
const tempDir = useTempDirs('queueflow-fn-crash-');

// What names this test's instances in `ps`, and the instance process groups seen:
// whatever fails, none of them outlives the test.
let marker: string | undefined;
const instanceGroups = new Set<number>();
afterEach(() => {
  const left = marker ? instanceProcesses(marker).map((p) => p.pgid) : [];
  for (const g of new Set([...left, ...processesInGroups(instanceGroups).map((p) => p.pgid)])) {
    try {
      process.kill(-g, 'SIGKILL');
    } catch {
      // gone already
    }
  }
  instanceGroups.clear();
});

/**
 * The repository's own project in `dir`: s.yaml, infra/ and flows/ copied, dist/ a
 * symlink to the built bundles (so the functions' `code: ./dist/...` holds, and the
 * instances' command lines name `dir`).
 */
function writeProject(dir: string): string {
  mkdirSync(join(dir, 'infra'));
  cpSync(join(ROOT, 'infra', 'ros.yaml'), join(dir, 'infra', 'ros.yaml'));
  cpSync(join(ROOT, 'flows'), join(dir, 'flows'), { recursive: true });
  symlinkSync(join(ROOT, 'dist'), join(dir, 'dist'), 'dir');
  const yaml = readFileSync(join(ROOT, 's.yaml'), 'utf8');
  if (!yaml.includes(`QueueVisibilityTimeout: ${VISIBILITY_SECONDS}\n`))
    throw new Error(`s.yaml: expected QueueVisibilityTimeout: ${VISIBILITY_SECONDS}`);
  const file = join(dir, 's.yaml');
  writeFileSync(file, yaml);
  return file;
}

/** The execution output the demo's handlers compute for `source` (each step's output merged). */
async function expectedOutput(source: string): Promise<Record<string, unknown>> {
  const ctx = (taskType: string) => ({ taskType, signal: new AbortController().signal });
  const { extract, transform, load } = registry.handlers;
  const e = await extract({ source }, ctx('extract'));
  const t = await transform({ rows: e.rows }, ctx('transform'));
  const l = await load({ rows: t.rows, source }, ctx('load'));
  return { ...e, ...t, ...l };
}

/** The task-worker's line per handler run (after its report), as the stack logs it. */
const taskLinesOf = (stderr: string) =>
  stderr.match(/\[queueflow:fn:task-worker\] (?:\[\w+\] )?task \w+ [\w-]+/g) ?? [];

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface HistoryEvent {
  Type: string;
  StepName: string;
}
interface Execution {
  Name: string;
  Status: string;
  Output?: string;
  StartedTime: string;
  StoppedTime?: string;
}

describe('the queue-triggered function path, SIGKILLed mid-traffic', () => {
  it(`finishes ${EXECUTIONS} demo executions, each step once, across ${KILLS} SIGKILLs of queueflow local`, {
    timeout: 90_000,
  }, async () => {
    // First, so that a run that fails early can still be replayed.
    process.stdout.write(
      `functions crash test: seed=${SEED} (QUEUEFLOW_FN_CRASH_SEED replays it)\n`,
    );
    const random = createRandom(SEED);
    const dir = tempDir();
    const project = writeProject(dir);
    const dataDir = join(dir, 'data');
    const port = await freePort();
    const stackRef = {
      endpoint: `http://127.0.0.1:${port}`,
      accountId: LOCAL_ACCOUNT_ID,
      credentials: { accessKeyId: LOCAL_ACCESS_KEY_ID, accessKeySecret: LOCAL_ACCESS_KEY_SECRET },
    };
    const fnf = createFnfSdk(stackRef);
    const mns = createMnsSdk(stackRef);
    const ownMarker = `${dir}/dist/`;
    marker = ownMarker;
    const instancesNow = () => instanceProcesses(ownMarker);
    const t0 = Date.now();

    const runs: CliProcess[] = [];
    const spawnStack = () => {
      const proc = spawnCli(localStackArgs({ port, dataDir, project }));
      runs.push(proc);
      return proc;
    };
    const startupKills: number[] = [];
    /** Starts the stack; `killAfterMs` first kills a start that far in (recovering, maybe ready). */
    const start = async (killAfterMs?: number) => {
      if (killAfterMs !== undefined) {
        const early = spawnStack();
        await Promise.race([pause(killAfterMs), early.exited]);
        early.child.kill('SIGKILL');
        await early.exited;
        startupKills.push(killAfterMs);
      }
      const proc = spawnStack();
      await proc.waitFor(READY_LINE, 30_000);
      return proc;
    };
    let cli = await start();

    const names = Array.from({ length: EXECUTIONS }, (_, i) => `fn-crash-${i}`);
    const startExecution = (i: number) =>
      retrying(
        `StartExecution ${names[i]}`,
        () =>
          fnf.call('StartExecution', {
            FlowName: FLOW,
            ExecutionName: names[i],
            Input: JSON.stringify({ source: `x-${i}.csv` }),
          }),
        // A start whose answer a kill cut off may have committed.
        (e) => (e.code === 'ExecutionAlreadyExists' ? {} : undefined),
      );
    // The executions start in bursts, one before each kill and the last after the
    // last restart: the demo's handlers take milliseconds, so a burst is what keeps
    // tasks in flight when the kill comes.
    const bursts = KILLS + 1;
    const burst = (b: number) =>
      Promise.all(
        names
          .map((_, i) => i)
          .filter((i) => i % bursts === b)
          .map(startExecution),
      );

    const running = async () => {
      const page: { Executions: unknown[] } = await fnf.call('ListExecutions', {
        FlowName: FLOW,
        Status: 'Running',
        Limit: 100,
      });
      return page.Executions.length;
    };

    // The kills: each at a seeded random point of its burst's traffic, just after the
    // n-th handler report of the run (n below the burst's task count, so tasks are
    // usually still in flight; n may be 0, a kill as the burst starts), or at the
    // deadline if fewer come. Whether a kill found executions running is counted.
    const killTimes: number[] = [];
    const killPoints: number[] = [];
    let killsInFlight = 0;
    let runningAtKills = 0;
    for (let k = 0; k < KILLS; k++) {
      const size = (await burst(k)).length;
      const n = Math.floor(random() * size * 3);
      killPoints.push(n);
      const until = Date.now() + 3000;
      while (taskLinesOf(cli.stderr).length < n && Date.now() < until) await pause(2);
      const inFlight = await running().catch(() => 0);
      for (const p of instancesNow()) instanceGroups.add(p.pgid);
      cli.child.kill('SIGKILL');
      await cli.exited;
      killTimes.push(Date.now() - t0);
      if (inFlight > 0) killsInFlight++;
      runningAtKills += inFlight;
      // One restart in three is itself killed while it starts up.
      cli = await start(random() < 1 / 3 ? Math.floor(random() * 600) : undefined);
    }
    await burst(KILLS);

    // Every execution ends: long-poll each until it is no longer Running.
    const deadline = Date.now() + 30_000;
    const ended = new Map<string, Execution>();
    for (const name of names) {
      for (;;) {
        const left = Math.floor((deadline - Date.now()) / 1000);
        const ex = await retrying(`DescribeExecution ${name}`, () =>
          fnf.call<Execution>('DescribeExecution', {
            FlowName: FLOW,
            ExecutionName: name,
            WaitTimeSeconds: Math.max(0, Math.min(5, left)),
          }),
        );
        if (ex.Status !== 'Running' || left <= 0) {
          ended.set(name, ex);
          break;
        }
      }
    }
    for (const p of instancesNow()) instanceGroups.add(p.pgid);

    const stuck = names.filter((n) => ended.get(n)?.Status === 'Running');
    const notSucceeded = names.filter((n) => ended.get(n)?.Status !== 'Succeeded');
    const wrongOutput: string[] = [];
    let longestMs = 0;
    for (const [i, name] of names.entries()) {
      const ex = ended.get(name);
      if (ex?.Status !== 'Succeeded') continue;
      const want = await expectedOutput(`x-${i}.csv`);
      let got: unknown;
      try {
        got = JSON.parse(ex.Output ?? '');
      } catch {
        got = ex.Output;
      }
      if (!isDeepStrictEqual(got, want)) {
        wrongOutput.push(`${name}: ${ex.Output}`);
      }
      if (ex.StoppedTime) {
        const ms = Date.parse(ex.StoppedTime) - Date.parse(ex.StartedTime);
        longestMs = Math.max(longestMs, ms);
      }
    }

    // Each step's task succeeded exactly once in each history.
    const badHistories: string[] = [];
    let scheduled = 0;
    for (const name of names) {
      const h = await fnf.call<{ Events: HistoryEvent[] }>('GetExecutionHistory', {
        FlowName: FLOW,
        ExecutionName: name,
        Limit: 1000,
      });
      scheduled += h.Events.filter((e) => e.Type === 'TaskScheduled').length;
      const succeeded = h.Events.filter((e) => e.Type === 'TaskSucceeded').map((e) => e.StepName);
      if (succeeded.join(',') !== 'Task_1,Task_2,Task_3') {
        badHistories.push(`${name}: TaskSucceeded ${succeeded.join(',') || 'none'}`);
      }
    }

    // The last deletes follow the last reports: give the trigger its moment.
    const left = await eventually(
      async () => {
        const c = await queueCounts(mns, QUEUE);
        return c.active + c.inactive + c.delayed === 0 ? c : false;
      },
      `queue ${QUEUE} is empty`,
      10_000,
    ).catch(() => queueCounts(mns, QUEUE));
    const dead = await queueCounts(mns, DLQ);

    const all = runs.map((r) => r.stderr).join('\n');
    await cli.stop();
    // Each handler run that got to its report logs one line through the stack's log.
    const taskLines = taskLinesOf(all);
    const alreadyCompleted = taskLines.filter((l) => l.endsWith('already-completed')).length;
    const warnings = all.split('\n').filter((l) => /^(warn|error)\s/.test(l));

    // No instance outlives the stack: not of the last run, not of a killed one.
    const orphans = await eventually(
      () => {
        const left = [...instancesNow(), ...processesInGroups(instanceGroups)];
        return left.length === 0 ? [] : false;
      },
      'every function instance is gone',
      10_000,
    ).catch(() => [...instancesNow(), ...processesInGroups(instanceGroups)]);

    process.stdout.write(
      `functions crash test: seed=${SEED} executions=${EXECUTIONS} kills=${killTimes.length} ` +
        `(+ ${startupKills.length} during startup, at ms [${startupKills.join(',')}]) ` +
        `(with tasks in flight ${killsInFlight}, running executions summed over kills ${runningAtKills}) ` +
        `kill times ms=[${killTimes.join(',')}] after handler runs [${killPoints.join(',')}] succeeded=${EXECUTIONS - notSucceeded.length} ` +
        `stuck=${stuck.length} wrong outputs=${wrongOutput.length} bad histories=${badHistories.length} ` +
        `tasks scheduled=${scheduled} handler runs logged=${taskLines.length} ` +
        `(already-completed ${alreadyCompleted}) longest execution ms=${longestMs} ` +
        `queue left=${JSON.stringify(left)} dlq=${JSON.stringify(dead)} ` +
        `instance groups seen=${instanceGroups.size} orphans=${orphans.length}\n`,
    );
    if (warnings.length > 0) {
      process.stdout.write(`stack warnings and errors:\n${warnings.join('\n')}\n`);
    }
    const problems = [...stuck, ...notSucceeded, ...wrongOutput, ...badHistories];
    const queuesLeft = left.active + left.inactive + left.delayed + dead.active + dead.inactive;
    if (problems.length > 0 || queuesLeft > 0 || orphans.length > 0) {
      // Kept for the reader: every run's stderr, in order, with the kill schedule.
      const log = join(tmpdir(), `queueflow-fn-crash-seed-${SEED}.log`);
      writeFileSync(
        log,
        runs.map((r, i) => `--- run ${i + 1}\n${r.stderr}`).join('\n') +
          `\n--- kills at ms ${killTimes.join(',')}; startup kills ${startupKills.join(',')}\n`,
      );
      process.stdout.write(
        `problems:\n${problems.join('\n')}\norphans: ${JSON.stringify(orphans)}\nthe stack's stderr: ${log}\n`,
      );
    }

    // The seeded schedule makes the kills; what can fail is that they met unfinished work.
    expect(killsInFlight).toBeGreaterThan(KILLS / 2);
    expect(stuck).toEqual([]);
    expect(notSucceeded).toEqual([]);
    expect(wrongOutput).toEqual([]);
    expect(badHistories).toEqual([]);
    // One message per step: no step was scheduled twice (a lost send retried, say).
    expect(scheduled).toBe(EXECUTIONS * 3);
    expect(left).toEqual({ active: 0, inactive: 0, delayed: 0 });
    expect(dead).toEqual({ active: 0, inactive: 0, delayed: 0 });
    // The process listing found the instances, so finding none after the stop means something.
    expect(instanceGroups.size).toBeGreaterThan(0);
    expect(orphans).toEqual([]);
  });
});
