// The model's clock and worker: a discrete-event simulation of how the driver moves a run.
// The driver answers, in rounds, every task that waits (sorted by key), one report at a time,
// and moves the virtual clock to the next timer only when no task waits. The model's
// interpreter awaits `task()` and `sleep()`; `run()` resolves them in that same order, letting
// each resolution's consequences run to their next wait before the next one. It also knows
// which attempts are over, and plans the late reports the driver sends for them.
import type { JsonObject } from '../../../shared/fdl/types';
import {
  type Answer,
  answerFor,
  attemptId,
  byKey,
  type Coverage,
  type FlowCase,
  type LateReport,
  withoutToken,
} from './types';

interface Pending {
  key: string;
  /** The attempt's id (`key#attempt`): what a late report names. */
  id: string;
  resolve: () => void;
}

interface Timer {
  at: number;
  seq: number;
  resolve: () => void;
}

const tick = () => new Promise<void>((r) => setImmediate(r));

export class Simulation {
  /**
   * Virtual milliseconds since the execution started: integers, as the engine's clock counts,
   * so that a timestamp's instant and a sum of waits and backoffs compare exactly.
   */
  now = 0;
  /** Set when a failure is thrown: the execution ends, nothing after it is scheduled. */
  ended = false;
  readonly schedules: Record<string, number[]> = {};
  readonly inputs: Record<string, JsonObject[]> = {};
  private readonly attempts = new Map<string, number>();
  private waiting: Pending[] = [];
  private timers: Timer[] = [];
  private seq = 0;
  /** How many fan-outs are starting their branches (each waits for the one it started). */
  starting = 0;
  /** Every attempt scheduled, in order, with how it ended (undefined while it waits). */
  private readonly over = new Map<string, string | undefined>();
  /** Attempts over and not yet reported late, in the order they ended. */
  private unreported: string[] = [];
  /** The late reports the driver is to send (only for a case with `late`). */
  readonly late: LateReport[] = [];

  constructor(
    private readonly c: Pick<FlowCase, 'script' | 'finite' | 'late'>,
    readonly coverage: Coverage,
  ) {}

  /** Schedules an attempt of task instance `key`: its id and the worker's answer. */
  task(
    step: string,
    indexes: readonly number[],
    key: string,
    input: JsonObject,
  ): { id: string; reply: Promise<Answer> } {
    const attempt = this.attempts.get(key) ?? 0;
    const id = attemptId(key, attempt);
    if (this.ended) return { id, reply: new Promise(() => {}) };
    this.attempts.set(key, attempt + 1);
    this.over.set(id, undefined);
    this.schedules[key] = [...(this.schedules[key] ?? []), this.now / 1000];
    this.inputs[key] = [...(this.inputs[key] ?? []), withoutToken(input)];
    this.coverage.tasks++;
    if (attempt > 0) this.coverage.retries++;
    const answer = answerFor(this.c, step, indexes, attempt);
    // A silent worker takes the message and never reports.
    if ('silent' in answer) return { id, reply: new Promise(() => {}) };
    const reply = new Promise<Answer>((resolve) =>
      this.waiting.push({
        key,
        id,
        resolve: () => {
          this.end(id, answer.ok ? 'succeeded' : 'failed');
          resolve(answer);
        },
      }),
    );
    return { id, reply };
  }

  /** Whether task instance `key` had attempts before. */
  attempted(key: string): boolean {
    return this.attempts.has(key);
  }

  /** Marks an attempt over (its report came, it timed out, or a failure cut it off). */
  end(id: string, how: string): void {
    if (this.over.get(id) !== undefined) return;
    this.over.set(id, how);
    this.unreported.push(id);
  }

  /** Resolves `seconds` of virtual time from now. */
  sleep(seconds: number): Promise<void> {
    return this.timer(seconds).done;
  }

  /** Resolves at `ms` virtual milliseconds after the start (later than now). */
  until(ms: number): Promise<void> {
    return this.timerAt(ms).done;
  }

  /** A timer that can be cancelled (a task's timeout, once the task has its answer). */
  timer(seconds: number): { done: Promise<void>; cancel: () => void } {
    return this.timerAt(this.now + seconds * 1000);
  }

  private timerAt(at: number): { done: Promise<void>; cancel: () => void } {
    if (this.ended) return { done: new Promise(() => {}), cancel: () => {} };
    let timer: Timer | undefined;
    const done = new Promise<void>((resolve) => {
      timer = { at, seq: this.seq++, resolve };
      this.timers.push(timer);
    });
    const cancel = () => {
      this.timers = this.timers.filter((t) => t !== timer);
    };
    return { done, cancel };
  }

  /** Waits until no fan-out deeper than `level` is still starting branches. */
  async quiet(level: number): Promise<void> {
    do await tick();
    while (this.starting > level);
  }

  /** Drives `main` to its end as the driver drives the engine. */
  async run<T>(main: Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
    let outcome: { ok: true; value: T } | { ok: false; error: unknown } | undefined;
    main.then(
      (value) => {
        outcome = { ok: true, value };
      },
      (error: unknown) => {
        outcome = { ok: false, error };
      },
    );
    await this.quiet(0);
    while (!outcome) {
      if (this.waiting.length > 0) {
        const round = this.waiting.sort((a, b) => byKey(a.key, b.key));
        this.waiting = [];
        for (const p of round) {
          if (outcome) break;
          this.planLate(p.id);
          p.resolve();
          await this.quiet(0);
        }
        continue;
      }
      const first = this.earliest();
      if (!first) throw new Error('the model waits with no task and no timer');
      // The clock's advance fires every timer due at that instant before the driver looks again.
      this.now = first.at;
      for (
        let t: Timer | undefined = first;
        t && t.at === this.now && !outcome;
        t = this.earliest()
      ) {
        this.timers.splice(this.timers.indexOf(t), 1);
        t.resolve();
        await this.quiet(0);
      }
    }
    if (!outcome.ok) this.coverage.cutOff += this.waiting.length + this.timers.length;
    // Once the execution has ended every attempt is over: each one is reported late once more.
    for (const [id, how] of this.over) if (how === undefined) this.end(id, 'cut off');
    this.unreported = [...this.over.keys()];
    this.planLate('end');
    return outcome;
  }

  /**
   * Plans a late report, before the driver answers `before`, for every attempt that ended
   * since the last such point (the attempt answered just before is reported a second time).
   */
  private planLate(before: string): void {
    if (!this.c.late) return;
    for (const target of this.unreported) {
      const ended = this.over.get(target) as string;
      const report = this.late.length % 2 === 0 ? 'succeeded' : 'failed';
      if (this.late.some((l) => l.target === target)) this.coverage.lateAgain++;
      else if (ended === 'succeeded') this.coverage.lateSucceeded++;
      else if (ended === 'failed') this.coverage.lateFailed++;
      else if (ended === 'timed out' && before !== 'end') this.coverage.lateTimedOut++;
      else this.coverage.lateCutOff++;
      this.late.push({ before, target, ended, report });
    }
    this.unreported = [];
  }

  private earliest(): Timer | undefined {
    return this.timers.reduce<Timer | undefined>(
      (a, t) => (!a || t.at < a.at || (t.at === a.at && t.seq < a.seq) ? t : a),
      undefined,
    );
  }
}
