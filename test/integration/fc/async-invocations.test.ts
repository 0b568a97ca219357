// Async invocations (x-fc-invocation-type: Async) through @alicloud/fc2: kept in
// the store from their 202 until they have run, retried as FC retries them.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import FC from '@alicloud/fc2';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger, silentLogger } from '../../../local/log';
import type { Project } from '../../../local/project/model';
import { type LocalStack, startLocalStack } from '../../../local/stack';
import { eventually } from '../../support/eventually';
import { fixtureFunction, localKeys } from './runtime-stack';

const dataDir = mkdtempSync(join(tmpdir(), 'queueflow-fc-async-'));
const project: Project = {
  file: join(dataDir, 's.yaml'),
  name: 'fc-async',
  flows: [],
  queues: [],
  functions: [
    fixtureFunction('once', 'index.hangsFirstCall'),
    fixtureFunction('failing', 'index.failsNoting'),
    fixtureFunction('noting', 'index.hangsFirstNoting'),
  ],
};
const start = () => startLocalStack({ port: 0, dataDir, project, logger: silentLogger });
const fcOf = (stack: LocalStack) =>
  new FC('1000000000000000', {
    ...localKeys,
    accessKeyID: localKeys.accessKeyId,
    region: 'cn-hangzhou',
    endpoint: stack.endpoint,
  });
const ASYNC = { 'x-fc-invocation-type': 'Async' };

describe('async invocations', () => {
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('runs one accepted before a stop after the restart', async () => {
    const marker = join(dataDir, 'once');
    const first = await start();
    const res = await fcOf(first).invokeFunction(
      'default',
      'once',
      JSON.stringify({ marker }),
      ASYNC,
    );
    expect(res.headers['x-fc-request-id']).toMatch(/^1-/);
    await eventually(() => existsSync(marker), 'the first attempt is running', 10_000);
    await first.stop(); // kills it mid-run, as a crash would
    const second = await start();
    try {
      await eventually(() => second.functions.asyncPending() === 0, 'it has run', 10_000);
      expect(readFileSync(marker, 'utf8')).toBe('2'); // the cut-off attempt, then a whole one
    } finally {
      await second.stop();
    }
  });

  it('retries a failing function 3 times, counting context.retryCount, then drops it', async () => {
    const marker = join(dataDir, 'failing');
    const stack = await start();
    try {
      await fcOf(stack).invokeFunction('default', 'failing', JSON.stringify({ marker }), ASYNC);
      await eventually(() => stack.functions.asyncPending() === 0, 'its retries are over', 10_000);
      expect(readFileSync(marker, 'utf8')).toBe('0\n1\n2\n3\n');
    } finally {
      await stack.stop();
    }
  });

  it('runs one cut off by a redeploy of its function on the new version, not counting the cut-off run', async () => {
    const marker = join(dataDir, 'noting');
    const stack = await start();
    try {
      const fc = fcOf(stack);
      await fc.invokeFunction('default', 'noting', JSON.stringify({ marker }), ASYNC);
      await eventually(() => existsSync(marker), 'the first run is under way', 10_000);
      const spec = project.functions.find((f) => f.name === 'noting');
      if (!spec) throw new Error('no noting function');
      await stack.functions.deploy([spec]);
      await eventually(() => stack.functions.asyncPending() === 0, 'it has run', 10_000);
      expect(readFileSync(marker, 'utf8')).toBe('0\n0\n');
    } finally {
      await stack.stop();
    }
  });

  it('drops, with a warning, the stored calls of a function the project no longer has', async () => {
    const marker = join(dataDir, 'gone');
    const first = await start();
    await first.functions.deploy([fixtureFunction('gone', 'index.hangsFirstCall')]);
    await fcOf(first).invokeFunction('default', 'gone', JSON.stringify({ marker }), ASYNC);
    await eventually(() => existsSync(marker), 'its run is under way', 10_000);
    await first.stop();
    const lines: string[] = [];
    const logger = createLogger({ level: 'warn', write: (line) => lines.push(line) });
    const second = await startLocalStack({ port: 0, dataDir, project, logger });
    try {
      expect(second.functions.asyncPending()).toBe(0);
      expect(lines.join('\n')).toMatch(
        /dropped async invocations of a function the project no longer has.*gone/,
      );
    } finally {
      await second.stop();
    }
  });
});
