// The model's clock and worker: a discrete-event simulation of how the driver moves a run.
// The driver answers, in rounds, every task that waits (sorted by key), one report at a time,
// and moves the virtual clock to the next timer only when no task waits. The model's
// interpreter awaits `task()` and `sleep()`; `run()` resolves them in that same order, letting
// each resolution's consequences run to their next wait before the next one.
import { type Answer, answerFor, byKey, type Coverage, type Script } from './types';

interface Pending {
  key: string;
  resolve: () => void;
}

interface Timer {
  at: number;
  seq: number;
  resolve: () => void;
}

const tick = () => new Promise<void>((r) => setImmediate(r));

export class Simulation {
  /** Virtual seconds since the execution started. */
  now = 0;
  /** Set when a failure is thrown: the execution ends, nothing after it is scheduled. */
  ended = false;
  readonly schedules: Record<string, number[]> = {};
  private readonly attempts = new Map<string, number>();
  private waiting: Pending[] = [];
  private timers: Timer[] = [];
  private seq = 0;
  /** How many fan-outs are starting their branches (each waits for the one it started). */
  starting = 0;

  constructor(
    private readonly script: Script,
    readonly coverage: Coverage,
  ) {}

  /** Schedules an attempt of task instance `key` and resolves with the worker's answer. */
  task(step: string, indexes: readonly number[], key: string): Promise<Answer> {
    if (this.ended) return new Promise(() => {});
    const attempt = this.attempts.get(key) ?? 0;
    this.attempts.set(key, attempt + 1);
    this.schedules[key] = [...(this.schedules[key] ?? []), this.now];
    this.coverage.tasks++;
    if (attempt > 0) this.coverage.retries++;
    const answer = answerFor(this.script, step, indexes, attempt);
    // A silent worker takes the message and never reports.
    if ('silent' in answer) return new Promise(() => {});
    return new Promise((resolve) => this.waiting.push({ key, resolve: () => resolve(answer) }));
  }

  /** Resolves `seconds` of virtual time from now. */
  sleep(seconds: number): Promise<void> {
    return this.timer(seconds).done;
  }

  /** A timer that can be cancelled (a task's timeout, once the task has its answer). */
  timer(seconds: number): { done: Promise<void>; cancel: () => void } {
    if (this.ended) return { done: new Promise(() => {}), cancel: () => {} };
    let timer: Timer | undefined;
    const done = new Promise<void>((resolve) => {
      timer = { at: this.now + seconds, seq: this.seq++, resolve };
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
    return outcome;
  }

  private earliest(): Timer | undefined {
    return this.timers.reduce<Timer | undefined>(
      (a, t) => (!a || t.at < a.at || (t.at === a.at && t.seq < a.seq) ? t : a),
      undefined,
    );
  }
}
