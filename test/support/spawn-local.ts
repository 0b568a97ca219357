// Starts the built CLI (`queueflow local`) as a separate process on a free port with a
// durable file store, and waits for its one ready-JSON line. Shared by the durability
// test and the queue bench, which both need a real process they can kill.
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import {
  type AccessKey,
  LOCAL_ACCESS_KEY_ID,
  LOCAL_ACCESS_KEY_SECRET,
  LOCAL_ACCOUNT_ID,
} from '../../local/credentials';

const root = join(import.meta.dirname, '..', '..');

/** The process and what a client needs (createSdkClient takes it as it takes a stack). */
export interface LocalProcess {
  child: ChildProcess;
  endpoint: string;
  accountId: string;
  credentials: AccessKey;
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
  return {
    child,
    endpoint,
    accountId: LOCAL_ACCOUNT_ID,
    credentials: { accessKeyId: LOCAL_ACCESS_KEY_ID, accessKeySecret: LOCAL_ACCESS_KEY_SECRET },
  };
}
