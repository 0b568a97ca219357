import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runHistory } from '../../../local/cli/commands/history';
import { resolveTarget, runStartExecution } from '../../../local/cli/commands/start-execution';
import { formatCliError } from '../../../local/cli/errors';
import { silentLogger } from '../../../local/log';
import { type LocalStack, startLocalStack } from '../../../local/stack';

let stack: LocalStack;
let target: { endpoint: string; accessKeyId: string; accessKeySecret: string };

beforeAll(async () => {
  stack = await startLocalStack({ port: 0, memory: true, logger: silentLogger });
  target = { endpoint: stack.endpoint, ...stack.credentials };
  stack.engine.createFlow({
    Name: 'cli_flow',
    Definition: `version: v1
type: flow
steps:
  - type: pass
    name: first
    outputMappings:
      - target: seen
        source: $input.source
  - type: pass
    name: second
`,
  });
});
afterAll(() => stack.stop());

describe('the start-execution and history commands', () => {
  it('follows an execution step by step and prints its output', async () => {
    const lines: string[] = [];
    const status = await runStartExecution(
      'cli_flow',
      {
        ...target,
        input: '{"source":"orders-2026-11.csv"}',
        name: 'cli-1',
        follow: true,
        pollMs: 10,
      },
      (l) => lines.push(l),
    );
    expect(status).toBe('Succeeded');
    const text = lines.join('\n');
    expect(text).toMatch(/first entered \(pass\)/);
    expect(text).toMatch(/first succeeded in \d+ ms/);
    expect(text).toMatch(/second succeeded/);
    expect(lines.at(-1)).toBe('output: {"seen":"orders-2026-11.csv"}');
  });

  it('runs an Express flow with --sync (StartSyncExecution) and refuses it for a Standard one', async () => {
    stack.engine.createFlow({
      Name: 'cli_express',
      ExecutionMode: 'Express',
      Definition: `version: v1
type: flow
steps:
  - type: pass
    name: only
    inputMappings:
      - target: id
        source: $input.id
    outputMappings:
      - target: id
        source: $input.id
`,
    });
    const base = { ...target, input: '{"id":7}', name: 'cli-x', follow: false, pollMs: 10 };
    const json: string[] = [];
    expect(
      await runStartExecution('cli_express', { ...base, sync: true, json: true }, (l) =>
        json.push(l),
      ),
    ).toBe('Succeeded');
    const answer = JSON.parse(json.join('\n')) as { Name: string; Output: string };
    expect(answer.Name).toMatch(/^cli-x:[0-9a-f-]{36}$/);
    expect(JSON.parse(answer.Output)).toEqual({ id: 7 });

    // Without --json, a summary (with or without --follow, since the call waits anyway).
    for (const follow of [false, true]) {
      const lines: string[] = [];
      await runStartExecution('cli_express', { ...base, sync: true, follow }, (l) => lines.push(l));
      expect(lines[0]).toMatch(/^execution cli-x:\S+ of flow cli_express \(StartSyncExecution\)$/);
      expect(lines[1]).toMatch(/^Succeeded in \d+ ms$/);
      expect(lines.at(-1)).toBe('output: {"id":7}');
      expect(lines).toHaveLength(3);
    }

    await expect(
      runStartExecution('cli_flow', { ...base, sync: true }, () => {}),
    ).rejects.toMatchObject({ code: 'ActionNotSupported' });
    // An Express flow without --sync: refused as in the cloud, with the way to run it.
    const refused = await runStartExecution(
      'cli_express',
      { ...base, name: 'cli-y' },
      () => {},
    ).catch((err: unknown) => err);
    expect(refused).toMatchObject({
      code: 'ActionNotSupported',
      message: expect.stringContaining('queueflow start-execution --sync runs it'),
    });
    // The CLI's error line: the code in front, the hint kept, pop-core's URL tail dropped.
    expect(formatCliError(refused)).toMatch(
      /^ActionNotSupported: Express execution is not supported: .* \(queueflow start-execution --sync runs it\)$/,
    );
  });

  it('prints the started execution in one line and how to follow it, not the raw answer', async () => {
    const lines: string[] = [];
    const status = await runStartExecution(
      'cli_flow',
      { ...target, input: '{}', name: 'cli-plain', follow: false, pollMs: 10 },
      (l) => lines.push(l),
    );
    expect(status).toBe('Running');
    expect(lines).toEqual([
      'started execution cli-plain of flow cli_flow (Running)',
      `see its steps with: npx queueflow history cli_flow cli-plain --endpoint ${target.endpoint}   (or start with --follow to watch it live)`,
    ]);
  });

  it('prints the raw StartExecution answer with --json, for scripts', async () => {
    const lines: string[] = [];
    await runStartExecution(
      'cli_flow',
      { ...target, input: '{}', name: 'cli-json', follow: false, json: true, pollMs: 10 },
      (l) => lines.push(l),
    );
    const answer = JSON.parse(lines.join('\n')) as Record<string, unknown>;
    expect(answer).toMatchObject({ Name: 'cli-json', FlowName: 'cli_flow', Status: 'Running' });
    expect(answer.FlowDefinition).toMatch(/^version: v1/);
    expect(answer.RequestId).toEqual(expect.any(String));
  });

  it('prints a failed task step once, not once per failure event', async () => {
    stack.engine.createFlow({
      Name: 'cli_failing',
      Definition: `version: v1
type: flow
steps:
  - type: task
    name: call
    resourceArn: acs:fc:cn-hangzhou:1000000000000000:services/nope.LATEST/functions/missing
`,
    });
    const lines: string[] = [];
    const status = await runStartExecution(
      'cli_failing',
      { ...target, input: '{}', name: 'cli-fail', follow: true, pollMs: 10 },
      (l) => lines.push(l),
    );
    expect(status).toBe('Failed');
    const history = stack.engine.getExecutionHistory({
      FlowName: 'cli_failing',
      ExecutionName: 'cli-fail',
    }).Events as Array<{ Type: string }>;
    // The history has the failure twice or more (task and step); the view says it once.
    expect(history.filter((e) => /^(Task|Step)\w*Failed$/.test(e.Type)).length).toBeGreaterThan(1);
    expect(lines.filter((l) => /\bcall failed:/.test(l))).toHaveLength(1);
    expect(lines.at(-1)).toMatch(/^Failed in \d+ ms$/);
  });

  it('shows a service error as its code and message, without the request URL', async () => {
    const err: unknown = await runStartExecution(
      'nope_flow',
      { ...target, input: '{}', follow: false, pollMs: 10 },
      () => {},
    ).catch((e: unknown) => e);
    expect(formatCliError(err)).toBe('FlowNotExists: Flow  nope_flow does not exist.');
  });

  it('prints the history as a table with one row per event', async () => {
    const lines: string[] = [];
    await runHistory('cli_flow', 'cli-1', target, (l) => lines.push(...l.split('\n')));
    expect(lines[0]).toMatch(/^ID\s+TIME\s+TYPE\s+STEP\s+DETAIL$/);
    expect(lines[1]).toMatch(/^1\s+\+0 ms\s+ExecutionStarted/);
    expect(lines.at(-1)).toMatch(/ExecutionSucceeded/);
    const history = stack.engine.getExecutionHistory({
      FlowName: 'cli_flow',
      ExecutionName: 'cli-1',
    });
    expect(lines).toHaveLength((history.Events as unknown[]).length + 1);
  });

  it('takes the target from the options, then the environment, then the local defaults', () => {
    expect(resolveTarget({}, {})).toEqual({
      endpoint: 'http://127.0.0.1:9300',
      accessKeyId: 'queueflow-local',
      accessKeySecret: 'queueflow-local-secret',
    });
    const env = {
      QUEUEFLOW_ENDPOINT: 'https://1.cn-hangzhou.fnf.aliyuncs.com',
      ALIBABA_CLOUD_ACCESS_KEY_ID: 'id',
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: 's',
    };
    expect(resolveTarget({}, env)).toEqual({
      endpoint: 'https://1.cn-hangzhou.fnf.aliyuncs.com',
      accessKeyId: 'id',
      accessKeySecret: 's',
    });
    expect(resolveTarget({ endpoint: 'http://o' }, env).endpoint).toBe('http://o');
    // A stack that is not Alibaba Cloud never gets the exported cloud key (only
    // an explicit option wins): loopback, a compose service, a LAN host.
    const cloudKeys = {
      ALIBABA_CLOUD_ACCESS_KEY_ID: 'LTAIcloud',
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: 's',
      ALIBABA_CLOUD_SECURITY_TOKEN: 'tok',
    };
    for (const endpoint of [
      'http://127.0.0.1:9300',
      'http://localhost:1',
      'http://[::1]:9',
      'http://queueflow:9300',
      'http://10.0.0.5:9300',
      'http://aliyuncs.com.example:9300',
    ]) {
      expect(resolveTarget({ endpoint }, cloudKeys)).toEqual({
        endpoint,
        accessKeyId: 'queueflow-local',
        accessKeySecret: 'queueflow-local-secret',
      });
    }
    expect(
      resolveTarget({ endpoint: 'http://127.0.0.1:9300', accessKeyId: 'mine' }, cloudKeys)
        .accessKeyId,
    ).toBe('mine');
  });

  it('needs an AccessKey for an Alibaba Cloud endpoint, and sends the exported STS token with the exported key', () => {
    const cloud = 'https://123.cn-hangzhou.fnf.aliyuncs.com';
    // Never the local key (it would only be refused there).
    expect(() => resolveTarget({ endpoint: cloud }, {})).toThrow(
      /is Alibaba Cloud, and no AccessKey is set: pass --access-key-id and --access-key-secret, or set ALIBABA_CLOUD_ACCESS_KEY_ID/,
    );
    expect(() =>
      resolveTarget({ endpoint: cloud }, { ALIBABA_CLOUD_ACCESS_KEY_ID: 'LTAIcloud' }),
    ).toThrow(/no AccessKey secret is set/);
    const sts = {
      ALIBABA_CLOUD_ACCESS_KEY_ID: 'STS.id',
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: 's',
      ALIBABA_CLOUD_SECURITY_TOKEN: 'tok',
    };
    expect(resolveTarget({ endpoint: cloud }, sts)).toEqual({
      endpoint: cloud,
      accessKeyId: 'STS.id',
      accessKeySecret: 's',
      securityToken: 'tok',
    });
    // A key passed as options is a different key: the exported token is not its.
    expect(
      resolveTarget({ endpoint: cloud, accessKeyId: 'LTAImine', accessKeySecret: 'x' }, sts),
    ).toEqual({ endpoint: cloud, accessKeyId: 'LTAImine', accessKeySecret: 'x' });
  });
});
