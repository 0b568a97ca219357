import { readFileSync } from 'node:fs';
import RPCClient from '@alicloud/pop-core/lib/rpc';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { LOCAL_ACCESS_KEY_ID, LOCAL_ACCESS_KEY_SECRET } from '../../credentials';
import { createRenderState, renderEventLine } from '../../flow/history-render';
import type { HistoryEvent, SyncExecutionAnswer } from '../../flow/types';
import { endpointFlag, parsePositiveInt, resolveEndpoint } from '../options';

/** Where and as whom the FnF commands talk. */
export interface FnfTarget {
  endpoint: string;
  accessKeyId: string;
  accessKeySecret: string;
  /** An STS token, from $ALIBABA_CLOUD_SECURITY_TOKEN with the exported key. */
  securityToken?: string;
}

const POST = { method: 'POST', timeout: 30_000 };
/** StartSyncExecution answers when the execution ends: an Express one runs 5 minutes at most. */
const SYNC_POST = { method: 'POST', timeout: 330_000 };
const GET = { timeout: 30_000 };

/** An FnF RPC client (the unmodified pop-core one) for a target. */
export function createFnfRpc(t: FnfTarget): RPCClient {
  return new RPCClient({
    endpoint: t.endpoint,
    apiVersion: '2019-03-15',
    accessKeyId: t.accessKeyId,
    accessKeySecret: t.accessKeySecret,
    ...(t.securityToken ? { securityToken: t.securityToken } : {}),
  });
}

/** Adds --endpoint and the credential options to an FnF command. */
export function withTargetOptions(cmd: Command): Command {
  // Credentials are resolved at run time, never shown as defaults: help output must not print a secret.
  return cmd
    .option(
      '--endpoint <url>',
      'FnF endpoint (default: $QUEUEFLOW_ENDPOINT or http://127.0.0.1:9300)',
    )
    .option(
      '--access-key-id <id>',
      'AccessKeyId (default: $ALIBABA_CLOUD_ACCESS_KEY_ID for an *.aliyuncs.com endpoint, else the local key)',
    )
    .option(
      '--access-key-secret <secret>',
      'AccessKeySecret (default: $ALIBABA_CLOUD_ACCESS_KEY_SECRET for an *.aliyuncs.com endpoint, with $ALIBABA_CLOUD_SECURITY_TOKEN if set; else the local secret)',
    );
}

/**
 * The target from the options, the environment, then the local stack defaults.
 * Only an Alibaba Cloud endpoint (`*.aliyuncs.com`) takes the exported AccessKey
 * (and needs one: without it this throws); any other endpoint is a local stack
 * (127.0.0.1, a compose service name, a LAN host) and gets the local key unless
 * one is passed as an option, so a cloud key is never sent anywhere else.
 */
export function resolveTarget(
  opts: Partial<FnfTarget>,
  env: NodeJS.ProcessEnv = process.env,
): FnfTarget {
  // Checked before any call: the SDK's own message ("config.endpoint must starts
  // with...", or a console page parsed as JSON) names neither the option nor the fix.
  const endpoint = resolveEndpoint(opts.endpoint, env);
  if (!isAlibabaCloudHost(new URL(endpoint).hostname)) {
    return {
      endpoint,
      accessKeyId: opts.accessKeyId ?? LOCAL_ACCESS_KEY_ID,
      accessKeySecret: opts.accessKeySecret ?? LOCAL_ACCESS_KEY_SECRET,
    };
  }
  const accessKeyId = opts.accessKeyId ?? env.ALIBABA_CLOUD_ACCESS_KEY_ID;
  const accessKeySecret = opts.accessKeySecret ?? env.ALIBABA_CLOUD_ACCESS_KEY_SECRET;
  if (!accessKeyId || !accessKeySecret) {
    throw new Error(
      `${endpoint} is Alibaba Cloud, and no AccessKey ${accessKeyId ? 'secret ' : ''}is set: ` +
        'pass --access-key-id and --access-key-secret, or set ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET',
    );
  }
  // A token belongs to the exported key, not to one passed as an option.
  const securityToken =
    opts.accessKeyId === undefined ? env.ALIBABA_CLOUD_SECURITY_TOKEN || undefined : undefined;
  return { endpoint, accessKeyId, accessKeySecret, ...(securityToken ? { securityToken } : {}) };
}

/** Reads `--input`: JSON text, or `@file` holding JSON. Must be an object. */
export function parseInputOption(value: string): string {
  let text = value;
  if (value.startsWith('@')) {
    try {
      text = readFileSync(value.slice(1), 'utf8');
    } catch (err) {
      throw new InvalidArgumentError(`cannot read ${value.slice(1)}: ${(err as Error).message}`);
    }
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new InvalidArgumentError('--input is not valid JSON');
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new InvalidArgumentError('--input must be a JSON object');
  }
  return JSON.stringify(parsed);
}

interface StartOptions extends FnfTarget {
  input: string;
  name?: string;
  follow: boolean;
  /** Run an Express flow with StartSyncExecution (the call answers when it ends). */
  sync?: boolean;
  /** Print the raw API answer (for scripts) instead of a summary. */
  json?: boolean;
  pollMs: number;
}

/**
 * Starts an execution. By default prints one line and how to follow it; with
 * `json`, the raw API answer; with `follow`, each step as the history grows
 * (polling GetExecutionHistory with NextToken) and then the output. Returns
 * the final status (or Running without follow).
 */
export async function runStartExecution(
  flow: string,
  opts: StartOptions,
  write: (line: string) => void,
): Promise<string> {
  const rpc = createFnfRpc(opts);
  const params: Record<string, string> = { FlowName: flow, Input: opts.input };
  if (opts.name) params.ExecutionName = opts.name;
  if (opts.sync) {
    const r = (await rpc.request('StartSyncExecution', params, SYNC_POST)) as SyncExecutionAnswer;
    if (opts.json) {
      write(JSON.stringify(r, null, 2));
      return r.Status;
    }
    const took = r.StoppedTime ? Date.parse(r.StoppedTime) - Date.parse(r.StartedTime) : 0;
    write(`execution ${r.Name} of flow ${flow} (StartSyncExecution)`);
    write(`${r.Status} in ${took} ms`);
    if (r.ErrorCode) write(`error: ${r.ErrorCode}${r.ErrorMessage ? `: ${r.ErrorMessage}` : ''}`);
    if (r.Output !== undefined) write(`output: ${r.Output}`);
    return r.Status;
  }
  const started = (await rpc.request('StartExecution', params, POST).catch((err) => {
    if ((err as { code?: string }).code === 'ActionNotSupported') {
      // Before pop-core's ", URL: ..." tail, which the CLI's error line drops with
      // the code in front: `ActionNotSupported: ... (queueflow ... --sync runs it)`.
      const e = err as Error;
      const hint = ' (queueflow start-execution --sync runs it)';
      const url = /, URL: https?:\/\/\S*$/.exec(e.message);
      e.message = url ? `${e.message.slice(0, url.index)}${hint}${url[0]}` : `${e.message}${hint}`;
    }
    throw err;
  })) as { Name: string; Status: string };
  if (opts.json) {
    write(JSON.stringify(started, null, 2));
    return started.Status;
  }
  if (!opts.follow) {
    // The hint names a non-default endpoint, so it can be pasted as it is.
    write(`started execution ${started.Name} of flow ${flow} (${started.Status})`);
    write(
      `see its steps with: npx queueflow history ${flow} ${started.Name}${endpointFlag(opts.endpoint)}   (or start with --follow to watch it live)`,
    );
    return started.Status;
  }
  write(`execution ${started.Name} of flow ${flow}`);
  const state = createRenderState();
  let next = 1;
  for (;;) {
    const page = (await rpc.request(
      'GetExecutionHistory',
      { FlowName: flow, ExecutionName: started.Name, NextToken: String(next), Limit: 1000 },
      GET,
    )) as { Events: HistoryEvent[]; NextToken?: string };
    let ended = false;
    for (const e of page.Events) {
      next = e.EventId + 1;
      const line = renderEventLine(e, state);
      if (line) write(`  ${line}`);
      if (e.Type.startsWith('Execution') && e.Type !== 'ExecutionStarted') ended = true;
    }
    if (ended) break;
    if (!page.NextToken) await new Promise((r) => setTimeout(r, opts.pollMs));
  }
  const final = (await rpc.request(
    'DescribeExecution',
    { FlowName: flow, ExecutionName: started.Name },
    GET,
  )) as { Status: string; Output?: string; StartedTime: string; StoppedTime?: string };
  const took = final.StoppedTime
    ? Date.parse(final.StoppedTime) - Date.parse(final.StartedTime)
    : 0;
  write(`${final.Status} in ${took} ms`);
  if (final.Output !== undefined) write(`output: ${final.Output}`);
  return final.Status;
}

/** `queueflow start-execution <flow> --input <json|@file> [--name n] [--follow | --json] [--sync]`. */
export function registerStartExecutionCommand(program: Command): void {
  withTargetOptions(
    program
      .command('start-execution <flow>')
      .description(
        'Start an execution of a flow (FnF StartExecution); --follow shows each step live, --json prints the raw answer.',
      )
      .option(
        '-i, --input <json|@file>',
        'execution input: JSON object text or @file',
        parseInputOption,
        '{}',
      )
      .option('-n, --name <name>', 'execution name (default: a UUID)')
      .option('-f, --follow', 'print each step as it runs, then the output', false)
      .addOption(
        new Option(
          '--json',
          'print the raw API answer as JSON (for scripts) instead of a summary',
        ).conflicts('follow'),
      )
      .option(
        '--sync',
        'Express flows: run with StartSyncExecution, which answers when the execution ends (at most 5 minutes); prints status, time, error and output; exits 1 unless it succeeded',
        false,
      )
      .option('--poll-ms <ms>', 'history poll interval with --follow', parsePositiveInt, 100),
  )
    .addHelpText(
      'after',
      `
Examples:
  npx queueflow start-execution queueflow-demo --input '{"source":"orders-2026-11.csv"}' --follow
  npx queueflow start-execution queueflow-demo --input @input.json --name run-42
  npx queueflow start-execution queueflow-demo --json | jq -r .Name    # the raw answer, for scripts
  npx queueflow start-execution my-express-flow --input '{"id":7}' --sync

Without --follow, --sync or --json it prints the execution's name and how to see its steps.`,
    )
    .action(async (flow: string, opts: StartOptions) => {
      const status = await runStartExecution(flow, { ...opts, ...resolveTarget(opts) }, (l) =>
        process.stdout.write(`${l}\n`),
      );
      if ((opts.follow || opts.sync) && status !== 'Succeeded') process.exitCode = 1;
    });
}

/** An Alibaba Cloud API host (`<account>.<region>.fnf.aliyuncs.com`, VPC endpoints too). */
function isAlibabaCloudHost(host: string): boolean {
  return /(^|\.)aliyuncs\.com\.?$/i.test(host);
}
