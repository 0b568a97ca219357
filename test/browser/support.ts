// Shared pieces of the console browser tests: the unmodified SDK clients, a tiny
// long-polling worker, and Chromium discovery and launch.
import { existsSync } from 'node:fs';
import MnsModule from '@alicloud/mns';
import type { Browser } from 'playwright-core';
import type { LocalStack } from '../../local/stack';
import { createFnfSdk } from '../integration/flow/fnf-sdk';

/** Where Debian's chromium lives; QUEUEFLOW_CHROMIUM overrides it. */
export const CHROMIUM_PATH = process.env.QUEUEFLOW_CHROMIUM ?? '/usr/bin/chromium';

/** True when the browser tests can run here. */
export const hasChromium = existsSync(CHROMIUM_PATH);

/** The notice printed when they cannot. */
export const NO_CHROMIUM_NOTICE = `console browser tests skipped: no Chromium at ${CHROMIUM_PATH}. Install it with \`apt-get install chromium\` (Debian), or set QUEUEFLOW_CHROMIUM to a Chromium binary.`;

/** Starts headless Chromium with the flags this machine needs (closed network, root). */
export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** The FnF API through the unmodified pop-core RPCClient. */
export type Fnf = <T = Record<string, unknown>>(
  action: string,
  params?: Record<string, unknown>,
) => Promise<T>;

/** An FnF client for the stack (the integration tests' pop-core wrapper). */
export function createFnf(stack: LocalStack): Fnf {
  return createFnfSdk(stack).call;
}

/** The @alicloud/mns calls the tests make (the package ships no typings). */
export interface Mns {
  createQueue(name: string, attrs?: Record<string, string | number>): Promise<unknown>;
  receiveMessage(name: string, waitSeconds?: number): Promise<{ body: Record<string, string> }>;
  deleteMessage(name: string, handle: string): Promise<unknown>;
}

/** An MNS client for the stack. */
export function createMns(stack: LocalStack): Mns {
  const Client = MnsModule as unknown as new (
    accountId: string,
    opts: { endpoint: string; accessKeyId: string; accessKeySecret: string },
  ) => Mns;
  return new Client(stack.accountId, {
    endpoint: stack.endpoint,
    accessKeyId: stack.credentials.accessKeyId,
    accessKeySecret: stack.credentials.accessKeySecret,
  });
}

/** What the worker does with one task: an output, or a failure to report. */
export type TaskOutcome = { output: Record<string, unknown> } | { error: string; cause: string };

/** A tiny worker: long-polls a queue, reports each task, deletes the message. */
export interface TestWorker {
  /** Task types held back until `release(type)`. */
  hold(taskType: string): void;
  release(taskType: string): void;
  handled: string[];
  /** Errors the loop survived (failed deletes). */
  errors: string[];
  /** Date.now() just before each task type's report was sent (the last one per type). */
  reportSentAt: Record<string, number>;
  stop(): Promise<void>;
}

/** Starts a worker on `queue` that answers with `handle`. */
export function startWorker(options: {
  mns: Mns;
  fnf: Fnf;
  queue: string;
  handle: (body: Record<string, unknown>) => TaskOutcome;
}): TestWorker {
  const { mns, fnf, queue, handle } = options;
  const held = new Map<string, { promise: Promise<void>; resolve: () => void }>();
  const handled: string[] = [];
  const reportSentAt: Record<string, number> = {};
  const errors: string[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      // One-second polls keep stop() prompt; MNS answers "no message" as an error.
      const got = await mns.receiveMessage(queue, 1).catch(() => undefined);
      if (!got) continue;
      const raw = got.body.MessageBody ?? '{}';
      const text = raw.trim().startsWith('{') ? raw : Buffer.from(raw, 'base64').toString('utf8');
      const body = JSON.parse(text) as Record<string, unknown>;
      const type = String(body.task_type);
      const gate = held.get(type);
      if (gate) await gate.promise;
      const token = String(body.task_token ?? body.taskToken);
      const outcome = handle(body);
      reportSentAt[type] = Date.now();
      if ('output' in outcome) {
        await fnf('ReportTaskSucceeded', {
          TaskToken: token,
          Output: JSON.stringify(outcome.output),
        });
      } else {
        await fnf('ReportTaskFailed', {
          TaskToken: token,
          Error: outcome.error,
          Cause: outcome.cause,
        });
      }
      handled.push(type);
      // A failed delete only means the message comes back later; keep working.
      await mns.deleteMessage(queue, got.body.ReceiptHandle ?? '').catch((err: unknown) => {
        errors.push(String(err));
      });
    }
  })();
  return {
    handled,
    reportSentAt,
    errors,
    hold(type) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => {
        resolve = r;
      });
      held.set(type, { promise, resolve });
    },
    release(type) {
      held.get(type)?.resolve();
      held.delete(type);
    },
    async stop() {
      running = false;
      for (const type of [...held.keys()]) this.release(type);
      await loop;
    },
  };
}
