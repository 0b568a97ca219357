// Starts the built CLI (`queueflow local`) as a separate process on a free port with a
// durable file store, and waits for its one ready-JSON line. Shared by the durability
// test and the queue bench, which both need a real process they can kill.
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const root = join(import.meta.dirname, '..', '..');

export interface LocalProcess {
  child: ChildProcess;
  endpoint: string;
}

export interface SpawnLocalOptions {
  dataDir: string;
  logLevel?: string;
  /** Give up if the ready line has not come by then. */
  readyTimeoutMs?: number;
}

export async function spawnLocal(options: SpawnLocalOptions): Promise<LocalProcess> {
  const { dataDir, logLevel = 'silent', readyTimeoutMs = 15_000 } = options;
  const child = spawn(
    process.execPath,
    [
      'bin/queueflow.js',
      'local',
      '--port',
      '0',
      '--data-dir',
      dataDir,
      '--ready-json',
      '--no-project',
      '--log-level',
      logLevel,
    ],
    { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const lines = createInterface({ input: child.stdout! });
  const endpoint = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`the server did not get ready in ${readyTimeoutMs} ms`)),
      readyTimeoutMs,
    );
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the server exited early (${code})`));
    });
    lines.on('line', (line) => {
      if (!line.startsWith('{')) return;
      clearTimeout(timer);
      resolve((JSON.parse(line) as { endpoint: string }).endpoint);
    });
  });
  return { child, endpoint };
}
