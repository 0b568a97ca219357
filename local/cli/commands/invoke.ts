import { readFileSync } from 'node:fs';
import { type Command, InvalidArgumentError } from 'commander';
import { LOCAL_ACCOUNT_ID, LOCAL_CREDENTIALS, LOCAL_REGION } from '../../../shared/clients/config';
import { createFunctionClient, FunctionError } from '../../../shared/clients/function-client';
import { HTTP_TRIGGER_PREFIX } from '../../fc/http-trigger-route';
import { START_STACK_HINT } from '../errors';
import { type CommandIo, processIo } from '../io';
import { resolveEndpoint } from '../options';
import { signTriggerRequest } from '../sign-acs3';

/** Where the command writes and reads; the process by default, captured in tests. */
export interface InvokeIo extends CommandIo {
  readStdin(): Promise<Buffer>;
}

/** `-` for stdin: read in the action, since commander's parsers are synchronous. */
const STDIN = Symbol('stdin');
type Source = Buffer | typeof STDIN;

interface InvokeOptions {
  event?: Source;
  async: boolean;
  endpoint?: string;
  qualifier?: string;
  http?: string | true;
  method: string;
  data?: Source;
  header?: string[];
}

// Connection-level failures: nothing is listening there, so the stack is not running.
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH']);
// Functions may run for minutes (FC allows up to 24 h async, 10 min by default sync).
const INVOKE_TIMEOUT_MS = 15 * 60_000;

function readSource(value: string, what: string): Source {
  if (value === '-') return STDIN;
  if (!value.startsWith('@')) return Buffer.from(value);
  try {
    return readFileSync(value.slice(1));
  } catch (err) {
    throw new InvalidArgumentError(
      `cannot read ${value.slice(1)} for ${what}: ${(err as Error).message}`,
    );
  }
}

/** The event must be JSON: a typo should fail here, not as a confusing function error. */
function checkJsonEvent(text: Buffer): string | undefined {
  try {
    JSON.parse(text.toString('utf8'));
    return undefined;
  } catch (err) {
    return `--event is not valid JSON (${(err as Error).message}); pass JSON text, @file or - for stdin`;
  }
}

function parseEventOption(value: string): Source {
  const source = readSource(value, '--event');
  if (source === STDIN) return source;
  const problem = checkJsonEvent(source);
  if (problem) throw new InvalidArgumentError(problem);
  return source;
}

function parseHeaderOption(value: string, previous: string[] | undefined): string[] {
  const colon = value.indexOf(':');
  if (colon <= 0) throw new InvalidArgumentError(`"${value}" is not a header like 'name: value'`);
  return [...(previous ?? []), value];
}

function parseMethodOption(value: string): string {
  if (!/^[A-Za-z]+$/.test(value))
    throw new InvalidArgumentError(`"${value}" is not an HTTP method`);
  return value.toUpperCase();
}

function errorCode(err: unknown): string | undefined {
  for (let e = err as { code?: unknown; cause?: unknown } | undefined; e; e = e.cause as never) {
    if (typeof e.code === 'string' && UNREACHABLE.has(e.code)) return e.code;
    if (typeof e !== 'object') break;
  }
  return undefined;
}

function unreachable(endpoint: string, code: string): string {
  return [
    `queueflow invoke: no local stack answers at ${endpoint} (${code}).`,
    ...START_STACK_HINT,
  ].join('\n');
}

function pretty(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

async function source(io: InvokeIo, s: Source): Promise<Buffer> {
  return s === STDIN ? io.readStdin() : s;
}

async function invokeEvent(
  fn: string,
  opts: InvokeOptions,
  endpoint: string,
  io: InvokeIo,
  usage: (message: string) => never,
): Promise<number> {
  const event = opts.event === undefined ? Buffer.from('{}') : await source(io, opts.event);
  if (opts.event === STDIN) {
    const problem = checkJsonEvent(event);
    if (problem) usage(problem);
  }
  const client = createFunctionClient({
    accountId: LOCAL_ACCOUNT_ID,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    endpoint,
    timeoutMs: INVOKE_TIMEOUT_MS,
  });
  const call = {
    functionName: fn,
    payload: event,
    ...(opts.qualifier ? { qualifier: opts.qualifier } : {}),
  };
  try {
    if (opts.async) {
      await client.invokeAsync(call);
      io.stderr(`accepted: ${fn} runs asynchronously (202)\n`);
      return 0;
    }
    io.stdout(`${pretty(await client.invoke(call))}\n`);
    return 0;
  } catch (err) {
    const down = errorCode(err);
    if (down) {
      io.stderr(`${unreachable(endpoint, down)}\n`);
    } else if (err instanceof FunctionError && err.code === 'FunctionNotFound') {
      // The local FC API has no ListFunctions to name the others, so say where they come from.
      io.stderr(
        `queueflow invoke: the stack at ${endpoint} has no function '${fn}' (FunctionNotFound).\n` +
          "It runs the functions of the s.yaml it was started with (its banner lists them; none with --no-functions); check the name's spelling.\n",
      );
    } else if (err instanceof FunctionError) {
      io.stderr(`${err.code}: ${err.message}\n`);
    } else {
      io.stderr(`queueflow invoke: ${err instanceof Error ? err.message : String(err)}\n`);
    }
    return 1;
  }
}

async function invokeHttp(
  fn: string,
  opts: InvokeOptions,
  endpoint: string,
  io: InvokeIo,
): Promise<number> {
  const path = opts.http === true || opts.http === undefined ? '/' : opts.http;
  const url = new URL(
    `${endpoint}${HTTP_TRIGGER_PREFIX}${encodeURIComponent(fn)}${path.startsWith('/') ? path : `/${path}`}`,
  );
  const body = opts.data === undefined ? Buffer.alloc(0) : await source(io, opts.data);
  const given: Record<string, string> = {};
  for (const h of opts.header ?? []) {
    const colon = h.indexOf(':');
    given[h.slice(0, colon).trim().toLowerCase()] = h.slice(colon + 1).trim();
  }
  if (body.length > 0 && given['content-type'] === undefined) {
    given['content-type'] =
      checkJsonEvent(body) === undefined ? 'application/json' : 'application/octet-stream';
  }
  const headers = signTriggerRequest({
    method: opts.method,
    url,
    headers: given,
    body,
    key: LOCAL_CREDENTIALS,
  });
  let res: Response;
  try {
    res = await fetch(url, {
      method: opts.method,
      headers,
      ...(body.length > 0 ? { body: new Uint8Array(body) } : {}),
      signal: AbortSignal.timeout(INVOKE_TIMEOUT_MS),
    });
  } catch (err) {
    const down = errorCode(err);
    io.stderr(
      down
        ? `${unreachable(endpoint, down)}\n`
        : `queueflow invoke: ${opts.method} ${url.href} failed: ${(err as Error).message}\n`,
    );
    return 1;
  }
  io.stderr(`HTTP ${res.status} ${res.statusText}\n`);
  const text = Buffer.from(await res.arrayBuffer()).toString('utf8');
  io.stdout(text.endsWith('\n') || text === '' ? text : `${text}\n`);
  return res.status >= 400 ? 1 : 0;
}

/** The process's own streams, stdin and exit code. */
const processInvokeIo: InvokeIo = {
  ...processIo,
  async readStdin() {
    const chunks: Buffer[] = [];
    for await (const c of process.stdin) chunks.push(c as Buffer);
    return Buffer.concat(chunks);
  },
};

/** `queueflow invoke <function>`: an event invocation, or with --http a call of its trigger. */
export function registerInvokeCommand(program: Command, io: InvokeIo = processInvokeIo): void {
  program
    .command('invoke <function>')
    .description(
      'Invoke a local function with an event (FC InvokeFunction), or call its HTTP trigger with --http; signed with the local AccessKey.',
    )
    .option(
      '-e, --event <json|@file|->',
      'the event: JSON text, @file, or - for stdin (default: {})',
      parseEventOption,
    )
    .option('--async', 'asynchronous invocation: return once FC accepted it (202)', false)
    .option('--qualifier <name>', 'version or alias to invoke (default: LATEST)')
    .option('--http [path]', "call the function's HTTP trigger at <endpoint>/fc/<function><path>")
    .option('-X, --method <method>', 'HTTP method with --http', parseMethodOption, 'POST')
    .option(
      '-d, --data <text|@file|->',
      'request body with --http: text, @file, or - for stdin',
      (v) => readSource(v, '--data'),
    )
    .option(
      '-H, --header <"name: value">',
      'request header with --http (repeatable)',
      parseHeaderOption,
    )
    .option(
      '--endpoint <url>',
      'local stack endpoint (default: $QUEUEFLOW_ENDPOINT or http://127.0.0.1:9300)',
    )
    .addHelpText(
      'after',
      `
Event mode prints the function's result (pretty JSON when it is JSON) on stdout;
a function error prints its error type and message on stderr and exits 1.
--http prints the status line on stderr and the body on stdout; exits 1 on a
status >= 400. Both sign with the local AccessKey, so authType: function triggers
accept the call (anonymous ones ignore the signature).

Examples:
  npx queueflow invoke start-flow -e '{"input":{"source":"orders-2026-11.csv"},"wait":20}'
  npx queueflow invoke start-flow -e @event.json --async
  echo '{"input":{}}' | npx queueflow invoke start-flow -e -
  npx queueflow invoke start-flow --http -d '{"input":{"source":"orders-2026-11.csv"}}'
  npx queueflow invoke start-flow --http '/?wait=20' -H 'x-request-tag: demo' -d @body.json`,
    )
    .action(async (fn: string, opts: InvokeOptions, cmd: Command) => {
      const usage = (message: string): never => cmd.error(`error: ${message}`);
      let endpoint: string;
      try {
        endpoint = resolveEndpoint(opts.endpoint);
      } catch (err) {
        io.stderr(`queueflow invoke: ${(err as Error).message}\n`);
        io.setExitCode(1);
        return;
      }
      if (opts.http === undefined) {
        for (const flag of ['data', 'method', 'header'] as const) {
          const given = cmd.getOptionValueSource(flag) === 'cli';
          if (given) usage(`--${flag} applies to --http calls only`);
        }
      } else if (opts.async || opts.qualifier || cmd.getOptionValueSource('event') === 'cli') {
        usage('--event, --async and --qualifier apply to event invocations, not --http');
      }
      const code =
        opts.http === undefined
          ? await invokeEvent(fn, opts, endpoint, io, usage)
          : await invokeHttp(fn, opts, endpoint, io);
      io.setExitCode(code);
    });
}
