/** Where a command writes and how it fails; the process by default, captured in tests. */
export interface CommandIo {
  stdout(text: string): void;
  stderr(text: string): void;
  setExitCode(code: number): void;
}

/** The process's own streams and exit code. */
export const processIo: CommandIo = {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  setExitCode: (code) => {
    process.exitCode = code;
  },
};

/** Why a long-running command is asked to stop. */
export type StopReason = 'SIGINT' | 'SIGTERM' | 'SIGHUP' | 'closed output';

/**
 * Listens for the requests to stop a long-running command (`local`, `worker`):
 * SIGINT and SIGTERM each time they come (a person asking again escalates);
 * SIGHUP and output that goes nowhere only while no stop was asked for (a
 * closing terminal sends SIGHUP to the whole session, often twice within
 * milliseconds, and closes the output too: none of that is someone asking
 * again). Returns a function that stops listening.
 */
export function onStopRequest(request: (reason: StopReason) => void): () => void {
  let asked = false;
  const on = (reason: StopReason) => {
    if (asked && (reason === 'SIGHUP' || reason === 'closed output')) return;
    asked = true;
    request(reason);
  };
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  const handlers = signals.map((s) => [s, () => on(s)] as const);
  for (const [s, h] of handlers) process.on(s, h);
  const forgetOutput = stopOnOutputClosed(() => on('closed output'));
  return () => {
    for (const [s, h] of handlers) process.off(s, h);
    forgetOutput();
  };
}

let onOutputClosed: (() => void) | undefined;
let outputGone = false;

/**
 * For a long-running command (onStopRequest): when its output goes away (the
 * terminal closed: EIO; the reader quit: EPIPE), `stop` is called, as a signal
 * would stop it, instead of the process ending on the spot with work in
 * flight. Returns a function that takes the request back.
 */
function stopOnOutputClosed(stop: () => void): () => void {
  onOutputClosed = stop;
  return () => {
    if (onOutputClosed === stop) onOutputClosed = undefined;
  };
}

/**
 * The CLI's handler of a stdout or stderr write error. Output that goes
 * nowhere is no failure of the command: a short command ends at once (exit
 * code unchanged, as after `| head`); a long-running one is asked to stop
 * (stopOnOutputClosed) and finishes its stop. Later write errors are ignored.
 * Any other error is thrown.
 */
export function handleOutputError(err: NodeJS.ErrnoException): void {
  if (err.code !== 'EPIPE' && err.code !== 'EIO') throw err;
  if (outputGone) return;
  outputGone = true;
  if (onOutputClosed) onOutputClosed();
  else process.exit(process.exitCode ?? 0);
}
