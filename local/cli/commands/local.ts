import { existsSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, relative, resolve } from 'node:path';
import { type Command, Option } from 'commander';
import {
  LOCAL_ACCESS_KEY_ID,
  LOCAL_ACCESS_KEY_SECRET,
  LOCAL_ACCOUNT_ID,
  LOCAL_REGION,
} from '../../credentials';
import { FollowTimeoutError } from '../../demo/follow';
import { DEMO_FLOW, DEMO_INPUT, runDemo } from '../../demo/run-demo';
import { HTTP_TRIGGER_PREFIX } from '../../fc/http-trigger-route';
import { isLoopbackName } from '../../http/browser-guard';
import { createLogger, type LogLevel } from '../../log';
import { loadProject } from '../../project/load';
import type { Project } from '../../project/model';
import { staleBuildWarning } from '../../project/stale-build';
import { type LocalStack, startLocalStack } from '../../stack';
import { DATABASE_FILE, DEFAULT_DATA_DIR } from '../../store/store';
import { onStopRequest, type StopReason } from '../io';
import { endpointFlag, parsePort, parseRetainDays } from '../options';

interface LocalOptions {
  port: number;
  host: string;
  dataDir: string;
  memory: boolean;
  readyJson: boolean;
  relaxLimits: boolean;
  retainDays?: number;
  logLevel?: LogLevel;
  project: string | false;
  /** False with --no-functions: the project's queues and flows, none of its functions. */
  functions: boolean;
  demo: boolean;
  once: boolean;
}

/** `queueflow local`: run the local stack (from s.yaml) until Ctrl-C, optionally with the demo. */
export function registerLocalCommand(program: Command): void {
  program
    .command('local')
    .description(
      'Start the local stack (MNS queues, the flow engine, the function runtime and the console) on one port, from s.yaml.',
    )
    .option('-p, --port <port>', 'TCP port (0 picks a free one)', parsePort, 9300)
    .option('--host <address>', 'address to bind; keep 127.0.0.1 unless you mean it', '127.0.0.1')
    .option(
      '-d, --data-dir <dir>',
      'data folder for the SQLite file (env QUEUEFLOW_DATA_DIR)',
      process.env.QUEUEFLOW_DATA_DIR ?? DEFAULT_DATA_DIR,
    )
    .option('--memory', 'keep all state in memory (nothing survives exit)', false)
    .option(
      '--project <file>',
      's.yaml to run: its queues, flows, functions and triggers (default ./s.yaml if present)',
    )
    .option('--no-project', 'start an empty stack, ignoring s.yaml')
    .option(
      '--no-functions',
      "do not run s.yaml's functions and their triggers (queues and flows only): for your own `queueflow worker` on the queue",
    )
    .option('--demo', 'run the demo flow once after starting and follow it live', false)
    .option(
      '--once',
      'run the demo (as --demo) and exit after it (code 0 when it succeeded)',
      false,
    )
    .option(
      '--ready-json',
      'print one JSON line with the endpoint once ready (for scripts); the only stdout line: warnings and the --demo output go to stderr',
      false,
    )
    .option(
      '--relax-limits',
      "do not enforce the cloud's size and count limits: step data, history events, message size, wait length, parallel branches, name rules, Express duration (docs/engine.md#limits)",
      false,
    )
    .option(
      '--retain-days <days>',
      "delete executions (with their history) that ended more than <days> days ago, at start and hourly (default: keep all); `npx queueflow compact` then shrinks the stopped stack's file",
      parseRetainDays,
    )
    .addOption(
      new Option('--log-level <level>', 'default info; warn with --demo').choices([
        'debug',
        'info',
        'warn',
        'error',
        'silent',
      ]),
    )
    .addHelpText(
      'after',
      `
The local credentials are fixed and documented (local use only):
  AccessKeyId     ${LOCAL_ACCESS_KEY_ID}
  AccessKeySecret ${LOCAL_ACCESS_KEY_SECRET}
  AccountId       ${LOCAL_ACCOUNT_ID}
  Region          ${LOCAL_REGION}

The FnF (Serverless Workflow) API, version 2019-03-15, is served at the stack URL
(POP RPC on /); try: npx queueflow start-execution queueflow-demo --input '{"source":"orders.csv"}' --follow

--demo and --once run the flow queueflow-demo of s.yaml: run them from the
project root, or pass --project <s.yaml>.

Examples:
  npm start                               # = npx queueflow local --demo (build first if needed)
  npx queueflow local --demo --once --data-dir /tmp/qf   # run the demo and exit
  npx queueflow local --port 0 --memory --ready-json
  npx queueflow local --no-functions          # then: npx queueflow worker --queue queueflow-tasks --handlers ./handlers.ts --endpoint http://127.0.0.1:9300
`,
    )
    .action(async (opts: LocalOptions) => {
      const code = await runLocal(opts);
      if (code !== undefined) process.exit(code);
    });
}

async function runLocal(opts: LocalOptions): Promise<number | undefined> {
  // From the first line: a signal during startup or the demo stops the stack
  // cleanly too (and a second one exits at once).
  const signals = trackSignals();
  try {
    return await runLocalUntilSignal(opts, signals);
  } finally {
    signals.dispose();
  }
}

async function runLocalUntilSignal(
  opts: LocalOptions,
  signals: SignalTracker,
): Promise<number | undefined> {
  const out = (line = '') => process.stdout.write(`${line}\n`);
  const quiet = opts.readyJson;
  // With --ready-json, stdout is the one JSON line: the demo's lines go to stderr.
  const demoOut = quiet ? (line = '') => process.stderr.write(`${line}\n`) : out;
  const runsDemo = opts.demo || opts.once;
  const logger = createLogger({
    level: opts.logLevel ?? (runsDemo ? 'warn' : 'info'),
  });
  const projectFile = opts.project === false ? undefined : (opts.project ?? defaultProject());
  // Said before anything starts: the demo of an empty stack only fails with
  // "Flow queueflow-demo does not exist".
  if (runsDemo && !projectFile) {
    throw new Error(
      opts.project === false
        ? `--demo and --once run the flow ${DEMO_FLOW} of s.yaml; they cannot go with --no-project`
        : `no s.yaml in ${process.cwd()}; run from the project root or pass --project <s.yaml> (--demo and --once run its flow ${DEMO_FLOW})`,
    );
  }
  let project: Project | undefined;
  if (projectFile) {
    project = loadProject(projectFile);
    if (runsDemo && !project.flows.some((f) => f.name === DEMO_FLOW)) {
      throw new Error(
        `--demo and --once run the flow ${DEMO_FLOW}, which ${relative(process.cwd(), project.file) || project.file} does not declare; start without them and use \`npx queueflow start-execution <flow>\``,
      );
    }
    // What the instance host loads: <module>.js, .mjs or .cjs in the code folder.
    const what = project.functions.flatMap((f) => {
      const module = f.handler.slice(0, f.handler.lastIndexOf('.'));
      if (['.js', '.mjs', '.cjs'].some((ext) => existsSync(join(f.codeDir, `${module}${ext}`)))) {
        return [];
      }
      const dir = relative(process.cwd(), f.codeDir) || '.';
      return existsSync(f.codeDir)
        ? [`${f.name}: no ${module}.js in ${dir} (handler ${f.handler})`]
        : [`${f.name}: code folder ${dir} does not exist (resources.${f.resource}.props.code)`];
    });
    if (what.length > 0) {
      throw new Error(
        `the function bundles are not built: ${what.join('; ')}. Run \`npm run build\` first, or fix code/handler in s.yaml`,
      );
    }
  }
  // Refuse before the data folder is opened: a second stack on the same folder
  // would resume the first one's executions alongside it.
  const refused = await listenRefusal(opts.port, opts.host);
  if (refused?.code === 'EADDRINUSE') throw portInUse(opts.port);
  if (refused) throw cannotListen(opts.host, opts.port, refused);
  if (!isLoopbackName(opts.host)) {
    // stderr, so a --ready-json line on stdout stays the only stdout line.
    process.stderr.write(
      `warning: listening on ${opts.host}: anyone who can reach this port can use the stack with the printed local AccessKey (it is public). Use it inside a container or a trusted network only.\n`,
    );
  }
  // "Resumed" only when there is a database with something in it, not for an
  // empty folder (or an empty file left by an interrupted first start).
  const dbFile = join(opts.dataDir, DATABASE_FILE);
  const resuming = !opts.memory && existsSync(dbFile) && statSync(dbFile).size > 0;
  if (!quiet) {
    out(
      `Starting the local stack${project ? ` from ${relative(process.cwd(), project.file) || project.file}` : ''} ...`,
    );
  }
  // What s.yaml asks for that the local stack does not do (a timer trigger, a
  // Python function...): said up front, never skipped silently. On stderr with
  // --ready-json, whose stdout is one JSON line.
  // The functions run their built bundles; a handler edited since runs its old code.
  const stale = project && opts.functions ? staleBuildWarning(project) : undefined;
  const warn = (w: string, source: string) => {
    if (quiet) process.stderr.write(`warning: ${source}${w}\n`);
    else out(`  warning     ${w}`);
  };
  for (const w of project?.warnings ?? []) warn(w, 's.yaml: ');
  if (stale) warn(stale, '');
  let stack: LocalStack;
  try {
    stack = await startLocalStack({
      port: opts.port,
      host: opts.host,
      ...(opts.memory ? { memory: true } : { dataDir: opts.dataDir }),
      relaxLimits: opts.relaxLimits,
      ...(opts.retainDays !== undefined ? { retainDays: opts.retainDays } : {}),
      startFunctions: opts.functions,
      logger,
      // Loaded (and checked) above: the stack does not read s.yaml a second time.
      ...(project ? { project } : {}),
    });
  } catch (err) {
    if ((err as { code?: string }).code === 'EADDRINUSE') {
      throw portInUse(opts.port);
    }
    throw err;
  }
  if (signals.received) {
    await stack.stop();
    return signals.exitCode();
  }
  if (opts.readyJson) {
    out(
      JSON.stringify({
        endpoint: stack.endpoint,
        port: stack.port,
        accessKeyId: stack.credentials.accessKeyId,
        accessKeySecret: stack.credentials.accessKeySecret,
        accountId: stack.accountId,
        region: stack.region,
        dataDir: stack.store.dataDir,
      }),
    );
  } else {
    out(`  endpoint    ${stack.endpoint}   (MNS, FnF and FC APIs; console at /console)`);
    out(
      `  data        ${stack.store.file ?? 'in memory'}${resuming ? '   (resumed: existing state kept)' : ''}`,
    );
    if (!project) {
      out(
        `  project     none: ${opts.project === false ? '--no-project' : `no s.yaml in ${process.cwd()} (run from the project root or pass --project <s.yaml>)`}`,
      );
    }
    const applied = stack.applied;
    if (applied) {
      out(`  queues      ${applied.queues.join(', ') || '-'}`);
      out(`  flows       ${applied.flows.map((f) => `${f.name} (${f.action})`).join(', ') || '-'}`);
      for (const fn of stack.functions.list()) {
        const triggers = fn.triggers
          .map((t) =>
            t.kind === 'mns-queue'
              ? `queue ${t.queueName}`
              : `HTTP ${stack.endpoint}${HTTP_TRIGGER_PREFIX}${fn.name}/`,
          )
          .join(', ');
        const init = fn.initMs === undefined ? '' : `, init ${fn.initMs.toFixed(0)} ms`;
        out(
          `  function    ${fn.name}  (${fn.spec.runtime}${init}; trigger: ${triggers || 'none'})`,
        );
      }
      if (stack.functions.list().length > 0) {
        out(
          `              call one:  npx queueflow invoke <function>${endpointFlag(stack.endpoint)} [-e '<json>'] [--http /path -d '<body>']   (signed for you)`,
        );
      }
      const notStarted = opts.functions ? [] : (project?.functions ?? []);
      if (notStarted.length > 0) {
        out(
          `  functions   not started (--no-functions): ${notStarted.map((f) => f.name).join(', ')}`,
        );
        const queues = [
          ...new Set(
            notStarted.flatMap((f) =>
              f.triggers.flatMap((t) => (t.kind === 'mns-queue' ? [t.queueName] : [])),
            ),
          ),
        ];
        for (const q of queues) {
          out(
            `              run ${q}:  npx queueflow worker --queue ${q} --handlers <module> --endpoint ${stack.endpoint}`,
          );
        }
      }
    }
    out(
      `  AccessKey   ${stack.credentials.accessKeyId} / ${stack.credentials.accessKeySecret}   account ${stack.accountId}, region ${stack.region} (local only)`,
    );
    out();
  }

  if (opts.demo || opts.once) {
    let ok = false;
    try {
      const result = await Promise.race([
        runDemo({ engine: stack.engine, write: demoOut }),
        signals.wait().then(() => undefined),
      ]);
      ok = result?.status === 'Succeeded';
    } catch (err) {
      demoOut(
        err instanceof FollowTimeoutError
          ? `The demo's execution ${err.executionName} did not finish in ${err.timeoutMs / 1000} s and still waits: \`npx queueflow history ${DEMO_FLOW} ${err.executionName}${endpointFlag(stack.endpoint)}\` shows where${onceNote(opts)}`
          : `The demo could not run: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
    if (signals.received) {
      await stack.stop();
      return signals.exitCode();
    }
    if (opts.once) {
      await stack.stop();
      return ok ? 0 : 1;
    }
    demoOut();
  }

  if (!quiet) {
    out(`Console     ${stack.endpoint}/console`);
    // The demo flow with its input when the project has it; else one of the
    // project's own flows (its input is the user's to know).
    const flows = project?.flows.map((f) => f.name) ?? [];
    if (flows.includes(DEMO_FLOW)) {
      out('Start more executions:');
      out(
        `  npx queueflow start-execution ${DEMO_FLOW}${endpointFlag(stack.endpoint)} --input '${JSON.stringify({ ...DEMO_INPUT, source: 'orders-2026-12.csv' })}' --follow`,
      );
    } else if (flows[0]) {
      out('Start an execution:');
      out(
        `  npx queueflow start-execution ${flows[0]}${endpointFlag(stack.endpoint)} --input '<json>' --follow`,
      );
    }
    out('Press Ctrl-C to stop.');
  }
  await signals.wait();
  await stack.stop();
  return 0;
}

function portInUse(port: number): Error {
  return new Error(
    `port ${port} is in use (is another queueflow running?); pass --port <n> or --port 0`,
  );
}

/** Why the stack could not listen on `host`:`port` now, or undefined when it can. */
function listenRefusal(port: number, host: string): Promise<NodeJS.ErrnoException | undefined> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', (err: NodeJS.ErrnoException) => resolve(err));
    probe.listen(port, host, () => probe.close(() => resolve(undefined)));
  });
}

/** What becomes of the demo's unfinished execution when --once stops the stack. */
function onceNote(opts: { once: boolean; memory: boolean }): string {
  if (!opts.once) return '';
  return opts.memory
    ? ' (with --once the stack stops now, and --memory keeps nothing of it)'
    : ' (with --once the stack stops now; its next start on this data folder resumes the execution)';
}

/** What a listen error code means for a --host (others keep Node's message). */
const LISTEN_REFUSALS: Readonly<Record<string, string>> = {
  ENOTFOUND: 'the name does not resolve',
  EAI_AGAIN: 'the name does not resolve',
  EADDRNOTAVAIL: 'it is not an address of this machine',
  EACCES: 'permission denied (ports below 1024 need privileges)',
};

/** A --host the stack cannot listen on: a name that does not resolve, an address not this machine's. */
function cannotListen(host: string, port: number, err: NodeJS.ErrnoException): Error {
  const why = LISTEN_REFUSALS[err.code ?? ''] ?? err.message;
  // Coded, and without the cause: the CLI's error formatter would read the
  // cause's ENOTFOUND as a client that found no stack.
  return Object.assign(
    new Error(
      `cannot listen on ${host} port ${port}: ${why} (${err.code ?? 'error'}); pass --host 127.0.0.1 (the default), or an address of this machine`,
    ),
    { code: 'CannotListen' },
  );
}

function defaultProject(): string | undefined {
  const candidate = resolve('s.yaml');
  return existsSync(candidate) ? candidate : undefined;
}

interface SignalTracker {
  /** The first SIGINT, SIGTERM or SIGHUP received (closed output counts as SIGHUP), if any. */
  readonly received: StopSignal | undefined;
  /** Resolves at the first signal (at once if one came already). */
  wait(): Promise<void>;
  /** 130 after SIGINT, 143 after SIGTERM, 129 after SIGHUP: the shell's codes for a stop by signal. */
  exitCode(): number;
  dispose(): void;
}

type StopSignal = Exclude<StopReason, 'closed output'>;
const SIGNAL_EXIT_CODES: Record<StopSignal, number> = {
  SIGHUP: 129,
  SIGINT: 130,
  SIGTERM: 143,
};

/**
 * The first request asks for a clean stop; a second SIGINT or SIGTERM exits at
 * once (onStopRequest says which requests count). SIGHUP (the terminal `npm
 * start` runs in was closed) stops as cleanly as Ctrl-C, rather than Node's
 * default of dying on the spot: the functions' tasks in flight are handed back
 * and the store closed, not left for the next start to recover. Output that
 * goes nowhere counts as a SIGHUP; what the stop prints then goes nowhere, and
 * a failed write does not cut it short.
 */
function trackSignals(): SignalTracker {
  let received: StopSignal | undefined;
  const waiting: Array<() => void> = [];
  const code = (signal: StopSignal | undefined) => SIGNAL_EXIT_CODES[signal ?? 'SIGINT'];
  const dispose = onStopRequest((reason) => {
    const signal = reason === 'closed output' ? 'SIGHUP' : reason;
    if (received) process.exit(code(signal));
    received = signal;
    for (const resolve of waiting.splice(0)) resolve();
  });
  return {
    get received() {
      return received;
    },
    wait: () =>
      received ? Promise.resolve() : new Promise<void>((resolve) => waiting.push(resolve)),
    exitCode: () => code(received),
    dispose,
  };
}
