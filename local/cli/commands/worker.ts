import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Command, InvalidArgumentError } from 'commander';
import { loadConfig } from '../../../shared/clients/config';
import { createDeps } from '../../../shared/clients/deps';
import { QueueError } from '../../../shared/clients/queue-client';
import { createLongPollWorker, type WorkerTaskEvent } from '../../../shared/task/long-poll-worker';
import { type HandlerRegistry, toHandlerRegistry } from '../../../shared/task/registry';
import { connectionCode, START_STACK_HINT } from '../errors';
import { onStopRequest } from '../io';
import { envWithEndpoint, parseCount, parsePositiveInt } from '../options';

interface WorkerOptions {
  queue: string;
  handlers: string;
  concurrency: number;
  batchSize?: number;
  waitSeconds: number;
  visibilityTimeout: number;
  graceSeconds: number;
  maxDeliveries: number;
  deleteDelayMs: number;
  endpoint?: string;
  quiet: boolean;
}

function parseSeconds(max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || n < 0 || n > max) {
      throw new InvalidArgumentError(`"${value}" is not a number of seconds between 0 and ${max}`);
    }
    return n;
  };
}

/** Whole seconds from `min` to `max`, as MNS takes waitseconds and VisibilityTimeout. */
function parseWholeSeconds(min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || n < min || n > max) {
      throw new InvalidArgumentError(
        `"${value}" is not a whole number of seconds from ${min} to ${max}`,
      );
    }
    return n;
  };
}

/**
 * Where a SyntaxError met while loading the handlers is: `file:line`. A
 * CommonJS file's parse error names it first in its stack, a runtime one
 * (JSON.parse at a module's top level) in its frames. An ES module's parse
 * error names nothing and has no frame outside Node's loader: Node prints the
 * place only when such an import fails uncaught, so a child process imports
 * the module again to print it (through tsx for TypeScript). Linking fails
 * before any module of the graph runs, so the child runs none of them; any
 * error with a frame of the user's code ran some of it, and gets no child.
 */
function syntaxErrorAt(err: SyntaxError, url: string): string | undefined {
  const lines = String(err.stack ?? '').split('\n');
  const place = /^(?:file:\/\/|\/|[A-Za-z]:\\).*:\d+$/;
  if (place.test(lines[0] ?? '')) return lines[0];
  const frames = lines.filter((l) => /^\s+at /.test(l));
  const frame = frames
    .map((l) => /^\s+at (?:async )?(?:.* \()?((?:file:\/\/|\/)[^)]*?:\d+):\d+\)?$/.exec(l)?.[1])
    .find((f) => f !== undefined);
  if (frame) return frame;
  const parseError = frames.every((l) => l.includes('node:')) && !/JSON/.test(err.message);
  if (!parseError) return undefined;
  const typescript = /\.[cm]?tsx?$/.test(url);
  const child = spawnSync(
    process.execPath,
    [
      ...(typescript ? ['--import', import.meta.resolve('tsx/esm')] : []),
      '-e',
      'import(process.argv[1])',
      url,
    ],
    { encoding: 'utf8', timeout: 10_000 },
  );
  const first = String(child.stderr ?? '').split('\n')[0] ?? '';
  return place.test(first) ? first : undefined;
}

/** Loads a `--handlers` module; TypeScript sources go through tsx's loader. */
async function loadHandlers(path: string): Promise<HandlerRegistry> {
  const file = resolve(process.cwd(), path);
  if (!existsSync(file)) throw new Error(`--handlers: no such file: ${file}`);
  const url = pathToFileURL(file).href;
  let loaded: unknown;
  try {
    if (/\.[mc]?ts$/.test(file)) {
      // tsx's scoped loader: compiles the handlers (and what they import) without a build step.
      const { tsImport } = await import('tsx/esm/api');
      loaded = await tsImport(url, import.meta.url);
    } else {
      loaded = await import(url);
    }
  } catch (err) {
    // A syntax error's message alone ("Unexpected token ';'") does not say which
    // file: the handlers module, or one it imports.
    const at = err instanceof SyntaxError ? syntaxErrorAt(err, url) : undefined;
    throw new Error(
      `--handlers: could not load ${file}: ${err instanceof Error ? err.message : String(err)}${at ? ` (at ${at})` : ''}`,
    );
  }
  return toHandlerRegistry(loaded);
}

function progressLine(e: WorkerTaskEvent): string {
  const parts = [
    'task',
    e.taskType ?? '-',
    e.released ? 'released' : e.outcome,
    `${e.durationMs}ms`,
  ];
  if (e.dequeueCount > 1) parts.push(`(delivery ${e.dequeueCount})`);
  if (e.error && e.outcome !== 'succeeded') parts.push(`${e.error.code}: ${e.error.message}`);
  return parts.join(' ');
}

/** `queueflow worker`: the long-polling task worker. */
export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description('Run queue task messages with your handlers and report each result to the flow.')
    .requiredOption('-q, --queue <name>', 'MNS queue to poll')
    .requiredOption(
      '--handlers <module>',
      'module exporting a handler registry or an object of handlers keyed by task_type',
    )
    .option('-c, --concurrency <n>', 'tasks run at once', parsePositiveInt, 4)
    .option(
      '--batch-size <n>',
      'messages per receive, 1-16 (default: min(16, concurrency))',
      (value: string) => {
        const n = parsePositiveInt(value);
        if (n > 16)
          throw new InvalidArgumentError(`"${value}" is more than 16, the MNS batch limit`);
        return n;
      },
    )
    .option('--wait-seconds <s>', 'long-poll wait per receive, 0-30', parseWholeSeconds(0, 30), 10)
    .option(
      '--visibility-timeout <s>',
      "the queue's VisibilityTimeout, 1-43200; long tasks are extended by this much",
      parseWholeSeconds(1, 43_200),
      30,
    )
    .option(
      '--grace-seconds <s>',
      'on SIGTERM (or SIGINT, SIGHUP), time to finish in-flight tasks',
      parseSeconds(3600),
      25,
    )
    .option(
      '--max-deliveries <n>',
      'report a retryable failure to the flow from this delivery on (0 = retry forever)',
      parseCount,
      10,
    )
    .option(
      '--delete-delay-ms <ms>',
      'finished messages are deleted in batches of up to 16, this long after the first',
      (v: string) => {
        const n = Number(v);
        if (!Number.isInteger(n) || n < 0 || n > 10_000) {
          throw new InvalidArgumentError(`"${v}" is not a whole number of ms between 0 and 10000`);
        }
        return n;
      },
      50,
    )
    .option(
      '--endpoint <url>',
      'local stack endpoint (default: QUEUEFLOW_ENDPOINT, else the cloud)',
    )
    .option('--quiet', 'no per-task lines', false)
    .addHelpText(
      'after',
      `
Local stack: pass --endpoint http://127.0.0.1:9300 (or set QUEUEFLOW_ENDPOINT);
the local credentials are used by default.
Cloud: set ALIBABA_CLOUD_ACCESS_KEY_ID, ALIBABA_CLOUD_ACCESS_KEY_SECRET
(and ALIBABA_CLOUD_SECURITY_TOKEN for STS), or on ECS ALIBABA_CLOUD_ECS_METADATA=<role>
(the instance RAM role's STS credentials, refreshed before they expire);
ALIBABA_CLOUD_REGION and ALIBABA_CLOUD_ACCOUNT_ID (QUEUEFLOW_MNS_INTERNAL=true
inside the region).

Example, against a stack started with \`npx queueflow local --no-functions\` (without
it, the stack's own queue-triggered task-worker takes messages of the same queue):
  npx queueflow worker --queue queueflow-tasks --handlers ./handlers.ts --endpoint http://127.0.0.1:9300
`,
    )
    .action(async (opts: WorkerOptions) => {
      // Until it polls, the worker holds no message: a signal (a container
      // stopped while the handlers load) ends it at once, with exit 0.
      let onSignal: (signal: string) => void = (signal) => {
        process.stdout.write(`worker stopped on ${signal} before it polled\n`);
        process.exit(0);
      };
      // SIGHUP (its terminal closed) stops it like SIGTERM, and so does output
      // that goes nowhere: the lines it prints on the way out fail, and must not
      // end it with tasks in flight (onStopRequest: only SIGTERM and SIGINT escalate).
      onStopRequest((reason) => onSignal(reason));
      let deps: ReturnType<typeof createDeps>;
      let registry: HandlerRegistry;
      try {
        deps = createDeps(loadConfig(envWithEndpoint(opts.endpoint)));
        registry = await loadHandlers(opts.handlers);
      } catch (err) {
        const msg = err instanceof Error ? err.message : String(err);
        process.stderr.write(`queueflow worker: ${msg}\n`);
        process.exitCode = 1;
        return;
      }
      const out = (line: string) => process.stdout.write(`${line}\n`);
      const target = deps.target.endpoint ?? `${deps.target.region} (cloud)`;
      // Whether the queue was there at the last receive: a missing queue, or an
      // endpoint where nothing answers, is said once each time it happens, not at
      // every backoff step.
      let queueState: 'unknown' | 'missing' | 'unreachable' | 'present' = 'unknown';
      const queue: typeof deps.queue = {
        ...deps.queue,
        async receive(...args) {
          const got = await deps.queue.receive(...args);
          queueState = 'present';
          return got;
        },
      };
      const worker = createLongPollWorker({
        queue,
        queueName: opts.queue,
        registry,
        flow: deps.flow,
        concurrency: opts.concurrency,
        ...(opts.batchSize ? { batchSize: opts.batchSize } : {}),
        waitSeconds: opts.waitSeconds,
        visibilityTimeout: opts.visibilityTimeout,
        graceSeconds: opts.graceSeconds,
        deleteDelayMs: opts.deleteDelayMs,
        ...(opts.maxDeliveries > 0 ? { maxDeliveries: opts.maxDeliveries } : {}),
        onTask: opts.quiet ? undefined : (e) => out(progressLine(e)),
        onError: (err, stage) => {
          // A worker may start before its queue exists (a container started
          // before the infrastructure), or outlive it: it keeps polling.
          const down = stage === 'receive' ? connectionCode(err) : undefined;
          if (down) {
            if (queueState === 'unreachable') return;
            queueState = 'unreachable';
            process.stderr.write(
              `queueflow worker: nothing answers at ${target} (${down}); polling until it does.\n${deps.target.endpoint ? `${START_STACK_HINT.join('\n')}\n` : ''}`,
            );
            return;
          }
          if (stage === 'receive' && err instanceof QueueError && err.code === 'QueueNotExist') {
            if (queueState === 'missing') return;
            const when = queueState === 'present' ? 'any more' : '(yet)';
            queueState = 'missing';
            process.stderr.write(
              `queueflow worker: the queue ${opts.queue} does not exist at ${target} ${when}; polling until it does. Check --queue${deps.target.endpoint ? '' : ', and --endpoint (or QUEUEFLOW_ENDPOINT) for the local stack'}\n`,
            );
            return;
          }
          process.stderr.write(
            `queueflow worker: ${stage}: ${err instanceof Error ? err.message : String(err)}\n`,
          );
        },
      });
      out(
        `worker polling ${opts.queue} at ${target}: handlers ${registry.types().join(', ')}; concurrency ${opts.concurrency}`,
      );
      // First signal: stop, letting tasks finish within the grace period. Second:
      // hand the running tasks' messages back now (so no message stays hidden
      // for its visibility timeout). Third: exit at once.
      let signals = 0;
      onSignal = (signal: string) => {
        signals++;
        if (signals === 1) {
          out(
            `worker stopping on ${signal} (${worker.inFlight} in flight; again to release them now)`,
          );
          void worker.stop();
        } else if (signals === 2) {
          out(
            `worker releasing ${worker.inFlight} task(s) now on ${signal} (again to exit at once)`,
          );
          void worker.stop({ immediately: true });
        } else {
          process.exit(130);
        }
      };
      await worker.run();
      out('worker stopped');
      // Keep-alive sockets of the SDKs would hold the process open.
      process.exit(0);
    });
}
