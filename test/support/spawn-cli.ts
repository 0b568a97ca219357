// Runs the built CLI (bin/queueflow.js) as a child process, as a user would. Every
// process started here is killed after each test, also when an assertion failed.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, beforeAll } from 'vitest';

export const ROOT = join(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'queueflow.js');

/** A running CLI process with its output collected as it comes. */
export interface CliProcess {
  readonly child: ChildProcess;
  readonly stdout: string;
  readonly stderr: string;
  /** Resolves with the exit code (null after a signal). */
  readonly exited: Promise<number | null>;
  /** Resolves with the first match of `pattern` in stdout + stderr, or fails at the deadline. */
  waitFor(pattern: RegExp, ms?: number): Promise<RegExpExecArray>;
  /** SIGTERM, then SIGKILL if it is still running 5 s later. */
  stop(): Promise<void>;
}

export interface SpawnCliOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

const running = new Set<CliProcess>();

/**
 * For a test file: builds dist/ first when a source is newer (the CLI is
 * bundled), and stops every process spawnCli started after each test.
 */
export function useCli(): void {
  beforeAll(() => {
    execFileSync(process.execPath, ['scripts/build.mjs', '--if-needed', '--quiet'], { cwd: ROOT });
  }, 60_000);
  afterEach(async () => {
    await Promise.all([...running].map((p) => p.stop()));
  });
}

/** Starts `queueflow ...args`; stopped after the test whatever happens. */
export function spawnCli(args: readonly string[], options: SpawnCliOptions = {}): CliProcess {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: options.cwd ?? ROOT,
    env: options.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const waiters = new Set<() => void>();
  const notify = () => {
    for (const w of waiters) w();
  };
  child.stdout?.on('data', (d) => {
    stdout += String(d);
    notify();
  });
  child.stderr?.on('data', (d) => {
    stderr += String(d);
    notify();
  });
  let done = false;
  const exited = new Promise<number | null>((resolve) => {
    child.on('exit', (code) => {
      done = true;
      notify();
      resolve(code);
    });
  });
  const proc: CliProcess = {
    child,
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    exited,
    async waitFor(pattern, ms = 20_000) {
      const deadline = Date.now() + ms;
      for (;;) {
        const m = pattern.exec(stdout + stderr);
        if (m) return m;
        if (done || Date.now() > deadline) {
          throw new Error(
            `${done ? 'exited' : 'timed out'} before ${pattern} appeared\n--- stdout\n${stdout}\n--- stderr\n${stderr}`,
          );
        }
        await new Promise<void>((resolve) => {
          const wake = () => {
            waiters.delete(wake);
            clearTimeout(timer);
            resolve();
          };
          const timer = setTimeout(wake, Math.max(1, deadline - Date.now()));
          waiters.add(wake);
        });
      }
    },
    async stop() {
      running.delete(proc);
      if (done) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
  running.add(proc);
  return proc;
}

/** Runs `queueflow ...args` to its end (killed after `timeoutMs`). */
export async function runCli(
  args: readonly string[],
  options: SpawnCliOptions & { timeoutMs?: number } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const p = spawnCli(args, options);
  const timer = setTimeout(() => void p.stop(), options.timeoutMs ?? 20_000);
  const code = await p.exited;
  clearTimeout(timer);
  running.delete(p);
  return { code, stdout: p.stdout, stderr: p.stderr };
}

/**
 * The arguments of `queueflow local` on a data folder and a fixed port (a
 * restart keeps the endpoint) with `project`'s functions, printing its ready
 * line (wait for it with `waitFor(READY_LINE)`).
 */
export function localStackArgs(o: { port: number; dataDir: string; project: string }): string[] {
  return [
    'local',
    '--port',
    String(o.port),
    '--data-dir',
    o.dataDir,
    '--project',
    o.project,
    '--ready-json',
  ];
}

/**
 * What closing the terminal a CLI runs in does to it: its output goes nowhere
 * (every write fails with EPIPE), then SIGHUP comes twice, milliseconds apart,
 * as a closing terminal sends it to the whole session.
 */
export async function closeTerminal(proc: CliProcess): Promise<void> {
  proc.child.stdout?.destroy();
  proc.child.stderr?.destroy();
  proc.child.kill('SIGHUP');
  await new Promise((r) => setTimeout(r, 3));
  proc.child.kill('SIGHUP');
}

/** The JSON line `--ready-json` prints once the stack serves. */
export const READY_LINE = /^\{.*\}$/m;

/** `queueflow local ... --ready-json`: waits for its JSON line and returns the endpoint. */
export async function spawnStack(
  args: readonly string[],
  options: SpawnCliOptions = {},
): Promise<{ proc: CliProcess; endpoint: string }> {
  const proc = spawnCli(['local', '--port', '0', '--memory', '--ready-json', ...args], options);
  const m = await proc.waitFor(/^\{.*\}$/m);
  return { proc, endpoint: (JSON.parse(m[0]) as { endpoint: string }).endpoint };
}
