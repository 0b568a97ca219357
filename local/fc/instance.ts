import { type ChildProcess, fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../log';
import type { FunctionErrorBody, FunctionSpec, InvokeOutcome } from './types';

/** The FC context fields that cross into the instance (the logger is made there). */
export interface InstanceContext {
  requestId: string;
  credentials: { accessKeyId: string; accessKeySecret: string; securityToken: string };
  function: { name: string; handler: string; memory: number; timeout: number };
  service: { logProject: string; logStore: string; qualifier: string; versionId: string };
  region: string;
  accountId: string;
  retryCount: number;
  tracing: { openTracingSpanBaggages: Record<string, string> };
}

type HostMessage =
  | { type: 'hello' }
  | { type: 'ready'; initMs: number }
  | { type: 'init-failed'; error: FunctionErrorBody }
  | {
      type: 'result';
      id: number;
      ok: true;
      body: string;
      durationMs: number;
      logTail?: string;
    }
  | {
      type: 'result';
      id: number;
      ok: false;
      handled?: boolean;
      /** The initializer failed (or timed out); the instance exits after this answer. */
      initializationError?: boolean;
      error: FunctionErrorBody;
      durationMs: number;
      logTail?: string;
    };

interface Pending {
  id: number;
  requestId: string;
  started: number;
  timer: NodeJS.Timeout;
  resolve: (outcome: InvokeOutcome) => void;
  /** What the instance wrote since the invocation began (the last LOG_TAIL bytes or so). */
  output: Buffer[];
  outputBytes: number;
  /** The request was written to the instance's channel (it may have run). */
  delivered: boolean;
}

/** FC returns the last 4 KB of an invocation's log for `x-fc-log-type: Tail`. */
const LOG_TAIL = 4096;

/**
 * The Tail of an invocation that ended without a result from the instance (it
 * crashed, or timed out and was killed): the output the parent saw, after FC's
 * start line. A normal end brings the instance's own Tail.
 */
function tailWithoutResult(p: Pending): string {
  const all = Buffer.concat([
    Buffer.from(`FC Invoke Start RequestId: ${p.requestId}\n`),
    ...p.output,
  ]);
  return all.subarray(Math.max(0, all.length - LOG_TAIL)).toString('base64');
}

/** One running instance of a function: a child process with the bundle loaded. */
export interface FunctionInstance {
  readonly id: string;
  readonly pid: number | undefined;
  /** Resolves once the bundle is loaded, with the init time; rejects with the init error. */
  readonly ready: Promise<number>;
  readonly busy: boolean;
  readonly alive: boolean;
  invoke(event: Buffer, context: InstanceContext): Promise<InvokeOutcome>;
  /** Called once when the process is gone (crash, kill, timeout or stop). */
  onExit(listener: () => void): void;
  kill(): void;
}

/** Raised through `ready` when the bundle cannot be loaded. */
export class InitializationFailure extends Error {
  override readonly name: string = 'InitializationFailure';
  constructor(readonly body: FunctionErrorBody) {
    super(body.errorMessage);
  }
}

/**
 * Raised through `ready` when the instance was killed by a signal while it
 * started (SIGKILL, SIGTERM, SIGINT from outside): not a bundle that fails to
 * load, so the pool starts another instead of reporting InitializationError.
 */
export class InstanceKilledWhileStarting extends InitializationFailure {
  override readonly name = 'InstanceKilledWhileStarting';
}

const KILL_SIGNALS = new Set(['SIGKILL', 'SIGTERM', 'SIGINT']);

/** Lines of an instance's own output its initialization error quotes when it exits while starting. */
const STARTUP_LINES = 5;

let nextInstance = 1;

/**
 * Starts an instance of `spec` with `env` as its whole environment. Function
 * timeouts use real timers, not the stack's Clock: the child runs in real time.
 */
export function startInstance(options: {
  spec: FunctionSpec;
  env: Record<string, string>;
  logger: Logger;
  /** Receives each line the function writes (stdout and stderr). */
  onLog: (line: string) => void;
}): FunctionInstance {
  const { spec, logger } = options;
  const id = `${spec.name}-${nextInstance++}`;
  const child: ChildProcess = fork(hostScriptPath(), [spec.codeDir, spec.handler], {
    cwd: spec.codeDir,
    env: { ...options.env, FC_INSTANCE_ID: id },
    // fd 4 is the lifeline: the instance's group is killed when the stack's end closes.
    stdio: ['ignore', 'pipe', 'pipe', 'ipc', 'pipe'],
    // Its own process group: what the function starts (a browser, ffmpeg) is
    // killed with it, on a timeout, a crash or the stack's stop.
    detached: true,
    // No --enable-source-maps: it adds ~15 ms to every cold start (set NODE_OPTIONS in s.yaml to opt in).
    execArgv: [],
    serialization: 'json',
  });
  // A Node that refuses its options (NODE_OPTIONS in s.yaml) exits before the
  // host runs, and only its stderr says why: what the process printed before
  // the host's hello is Node's own, and the initialization error quotes it.
  // Once the host runs, what is printed is the function's (secrets too): that
  // goes to the stack log and the Tail, never into an error a caller sees.
  let starting = true;
  let hostRan = false;
  const startupLines: string[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    if (!stream) continue;
    splitLines(stream, (line) => {
      if (!hostRan && line.trim() !== '') {
        startupLines.push(line.length > 300 ? `${line.slice(0, 300)}...` : line);
        if (startupLines.length > STARTUP_LINES) startupLines.shift();
      }
      options.onLog(forStackLog(line));
    });
    stream.on('data', (chunk: Buffer) => {
      if (!pending) return;
      pending.output.push(chunk);
      pending.outputBytes += chunk.length;
      while (pending.outputBytes - (pending.output[0]?.length ?? 0) >= LOG_TAIL) {
        pending.outputBytes -= pending.output.shift()?.length ?? 0;
      }
    });
  }
  // A dead instance's last lines may still be in its pipes when 'exit' comes.
  const outputDrained = () =>
    Promise.all(
      [child.stdout, child.stderr].map((s) =>
        !s || s.readableEnded || s.destroyed
          ? undefined
          : new Promise<void>((resolve) => {
              s.once('end', resolve);
              s.once('close', resolve);
              setTimeout(resolve, 200).unref();
            }),
      ),
    );
  let alive = true;
  /** The process is gone (its 'exit' was heard); `alive` turns false earlier, at disconnect. */
  let exited = false;
  /** An invocation has passed the initializer (or there is none): no more init time to allow. */
  let initialized = !spec.initializer;
  /** Kills the instance and every process it started (its process group). */
  const killGroup = () => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    } catch {
      child.kill('SIGKILL'); // the group is gone already, or no groups here (Windows)
    }
  };
  // Set the moment a kill is decided, so the pool never hands out a dying instance.
  const terminate = () => {
    alive = false;
    killGroup();
  };
  let pending: Pending | undefined;
  let seq = 0;
  const exitListeners: Array<() => void> = [];
  let markReady: (ms: number) => void = () => {};
  let failReady: (err: Error) => void = () => {};
  const ready = new Promise<number>((resolve, reject) => {
    markReady = resolve;
    failReady = reject;
  });
  // A load that never reports would hang every caller; treat it as an init failure.
  const initTimer = setTimeout(
    () => {
      failReady(
        new InitializationFailure({ errorMessage: `${spec.name}: instance did not start in time` }),
      );
      killGroup();
    },
    Math.max(10_000, spec.timeoutSeconds * 1000),
  );
  initTimer.unref();
  ready.catch(() => {});

  const finish = (outcome: InvokeOutcome) => {
    if (!pending) return;
    clearTimeout(pending.timer);
    const { resolve } = pending;
    pending = undefined;
    resolve(outcome);
  };

  child.on('message', (raw) => {
    const msg = raw as HostMessage;
    if (msg.type === 'hello') {
      hostRan = true;
      startupLines.length = 0;
    } else if (msg.type === 'ready') {
      starting = false;
      clearTimeout(initTimer);
      markReady(msg.initMs);
    } else if (msg.type === 'init-failed') {
      clearTimeout(initTimer);
      failReady(new InitializationFailure(msg.error));
      killGroup();
    } else if (msg.type === 'result' && pending && msg.id === pending.id) {
      const requestId = pending.requestId;
      // The initializer failed: the instance exits now; never hand it out again.
      if (!msg.ok && msg.initializationError) alive = false;
      else initialized = true;
      finish(
        msg.ok
          ? {
              ok: true,
              requestId,
              body: Buffer.from(msg.body, 'base64'),
              durationMs: msg.durationMs,
              ...(msg.logTail ? { logTail: msg.logTail } : {}),
            }
          : {
              ok: false,
              requestId,
              kind: msg.initializationError
                ? 'InitializationError'
                : msg.handled
                  ? 'HandledInvocationError'
                  : 'UnhandledInvocationError',
              // Whatever crossed the channel, callers read errorMessage as a string.
              error: {
                ...msg.error,
                errorMessage: String(msg.error?.errorMessage ?? 'unknown error'),
              },
              timedOut: false,
              durationMs: msg.durationMs,
              ...(msg.logTail ? { logTail: msg.logTail } : {}),
            },
      );
    }
  });
  child.on('error', (err) =>
    logger.warn('instance process error', { instance: id, error: err.message }),
  );
  // The channel closes as the process dies, often before its 'exit' is heard:
  // from then on the pool must not hand the instance a request.
  child.on('disconnect', () => {
    alive = false;
  });
  child.on('exit', (code, signal) => {
    alive = false;
    exited = true;
    // An instance that died on its own takes what it started with it.
    killGroup();
    clearTimeout(initTimer);
    if (starting) {
      // Its last lines may still be in the pipes: read them before saying why.
      void outputDrained().then(() => {
        const said =
          !hostRan && startupLines.length > 0 ? `; it printed: ${startupLines.join(' | ')}` : '';
        const body = {
          errorMessage: `instance exited during initialization (code ${code ?? signal})${said}`,
        };
        failReady(
          signal && KILL_SIGNALS.has(signal)
            ? new InstanceKilledWhileStarting(body)
            : new InitializationFailure(body),
        );
      });
    }
    const crashed = pending;
    if (crashed && !crashed.delivered) {
      finish({
        ok: false,
        requestId: crashed.requestId,
        kind: 'UnhandledInvocationError',
        error: { errorMessage: 'the instance exited before the request reached it' },
        timedOut: false,
        durationMs: 0,
        notDelivered: true,
      });
    } else if (crashed) {
      const durationMs = Math.round(performance.now() - crashed.started);
      void outputDrained().then(() =>
        finish({
          ok: false,
          requestId: crashed.requestId,
          kind: 'UnhandledInvocationError',
          error: {
            errorMessage: `Process exited unexpectedly before completing request (duration: ${durationMs}ms, maxMemoryUsage: 0MB)`,
          },
          timedOut: false,
          durationMs,
          // What it printed on the way down (an uncaught exception's stack, say).
          logTail: tailWithoutResult(crashed),
        }),
      );
    }
    for (const l of exitListeners.splice(0)) l();
  });

  return {
    id,
    get pid() {
      return child.pid;
    },
    ready,
    get busy() {
      return pending !== undefined;
    },
    get alive() {
      return alive;
    },
    invoke(event, context) {
      if (!alive) {
        return Promise.resolve({
          ok: false,
          requestId: context.requestId,
          kind: 'UnhandledInvocationError',
          error: { errorMessage: 'instance is not running' },
          timedOut: false,
          durationMs: 0,
        });
      }
      if (pending) throw new Error(`instance ${id} is busy`);
      return new Promise<InvokeOutcome>((resolve) => {
        const msgId = ++seq;
        const started = performance.now();
        // A first invocation runs the initializer first, on its own timeout.
        const initMs = initialized ? 0 : (spec.initializer?.timeoutSeconds ?? 0) * 1000;
        const timeoutMs = spec.timeoutSeconds * 1000 + initMs;
        const timer = setTimeout(() => {
          // FC stops a timed-out instance; the next request gets a fresh one.
          finish({
            ok: false,
            requestId: context.requestId,
            kind: 'UnhandledInvocationError',
            error: {
              errorMessage: `Function timed out after ${spec.timeoutSeconds} seconds (maxMemoryUsage: 0MB)`,
              errorType: 'FunctionTimeout',
            },
            timedOut: true,
            durationMs: timeoutMs,
            ...(pending ? { logTail: tailWithoutResult(pending) } : {}),
          });
          terminate();
        }, timeoutMs);
        timer.unref();
        pending = {
          id: msgId,
          requestId: context.requestId,
          started,
          timer,
          resolve,
          output: [],
          outputBytes: 0,
          delivered: false,
        };
        const request = pending;
        // Written, or refused (EPIPE: the instance died a moment ago); a refused
        // one is answered as not delivered when its exit is heard.
        child.send(
          { type: 'invoke', id: msgId, event: event.toString('base64'), context },
          (err) => {
            if (!err) request.delivered = true;
          },
        );
      });
    },
    onExit(listener) {
      if (exited) listener();
      else exitListeners.push(listener);
    },
    kill() {
      if (alive) terminate();
    },
  };
}

// FC's prefix on console and context.logger lines (instance-host.cjs): time and request id.
const FC_LINE_PREFIX =
  /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} (?:\S+ )?(?=\[(?:debug|info|warn|error)\] )/;

/**
 * A function's line as the stack logs it: FC's time and request id are dropped
 * (the stack's own lines carry neither), the level kept: `[warn] low on disk`.
 * The Tail keeps the whole line, as FC's log does.
 */
function forStackLog(line: string): string {
  return line.replace(FC_LINE_PREFIX, '');
}

/** Longest line a function may write before it is logged in pieces of this size. */
const MAX_LOG_LINE = 64 * 1024;

/**
 * Calls `emit` with each line of `stream` (UTF-8, CR LF or LF). A line longer
 * than MAX_LOG_LINE goes out in pieces: output without newlines must not grow
 * the stack's memory without bound.
 */
function splitLines(stream: Readable, emit: (line: string) => void): void {
  const decoder = new StringDecoder('utf8');
  let partial = '';
  stream.on('data', (chunk: Buffer) => {
    let text = partial + decoder.write(chunk);
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n')) {
      emit(text.slice(0, nl > 0 && text[nl - 1] === '\r' ? nl - 1 : nl));
      text = text.slice(nl + 1);
    }
    while (text.length > MAX_LOG_LINE) {
      emit(text.slice(0, MAX_LOG_LINE));
      text = text.slice(MAX_LOG_LINE);
    }
    partial = text;
  });
  stream.on('end', () => {
    const rest = partial + decoder.end();
    partial = '';
    if (rest) emit(rest);
  });
}

/** The host script sits next to this file in the sources, and next to the CLI bundle. */
function hostScriptPath(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [
    join(here, 'instance-host.cjs'),
    join(here, '..', '..', 'local', 'fc', 'instance-host.cjs'),
  ];
  const found = candidates.find((p) => existsSync(p));
  if (!found)
    throw new Error(`function instance host not found (looked in ${candidates.join(', ')})`);
  return found;
}
