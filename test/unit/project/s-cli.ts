import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';

// Shared by the tests that drive the real Serverless Devs CLI (`s`) offline.
export const run = promisify(execFile);
export const root = resolve(import.meta.dirname, '../../..');
export const sBin = resolve(root, 'node_modules/.bin/s');
export const ACCOUNT = '1234567890123456';

/**
 * Stores a fake `default` access in the throw-away HOME of `opts.env`: s only
 * needs the AccountID, for `${config('AccountID')}`.
 */
export async function addFakeAccess(opts: {
  cwd: string;
  env: NodeJS.ProcessEnv;
  timeout: number;
}): Promise<void> {
  await run(
    sBin,
    [
      'config',
      'add',
      '--AccessKeyID',
      'AK',
      '--AccessKeySecret',
      'SK',
      '--AccountID',
      ACCOUNT,
      '-a',
      'default',
      '-f',
    ],
    opts,
  );
}
