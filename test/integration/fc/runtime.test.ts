import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import FC from '@alicloud/fc2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../support/eventually';
import { signFc } from '../../support/fc-sign';
import { processGone } from '../../support/process-gone';
import { fixtureFunction, localKeys, type RuntimeStack, startRuntimeStack } from './runtime-stack';

const ESM_FIXTURES = new URL('./fixtures/esm', import.meta.url).pathname;
const CJS_FIXTURES = new URL('./fixtures/cjs', import.meta.url).pathname;
const ESM_PKG_FIXTURES = new URL('./fixtures/esm-pkg', import.meta.url).pathname;
const CJS_TLA_DEP_FIXTURES = new URL('./fixtures/cjs-tla-dep', import.meta.url).pathname;
const EXITS_AT_LOAD_FIXTURES = new URL('./fixtures/exits-at-load', import.meta.url).pathname;

/** The Tail an fc2 call with `x-fc-log-type: Tail` got back, as text. */
const tailOf = (res: { headers: Record<string, unknown> }) =>
  Buffer.from(String(res.headers['x-fc-log-result']), 'base64').toString('utf8');
// FC's Node.js 18/20 console line: `2024-03-04 07:01:16.927 <requestId> [info] hello`.
const FC_TIME = String.raw`\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}`;

describe('the local function runtime', () => {
  let stack: RuntimeStack;
  let fc: InstanceType<typeof FC>;

  beforeAll(async () => {
    stack = await startRuntimeStack();
    await stack.runtime.deploy([
      fixtureFunction('echo', 'index.echo', { environment: { GREETING: 'hi' } }),
      fixtureFunction('text', 'index.text'),
      fixtureFunction('fail', 'index.fail'),
      fixtureFunction('callback-fail', 'index.callbackFail'),
      fixtureFunction('slow', 'index.slow', { timeoutSeconds: 1 }),
      fixtureFunction('crash', 'index.crash'),
      fixtureFunction('crash-loud', 'index.crashLoud'),
      fixtureFunction('hang-loud', 'index.hangLoud', { timeoutSeconds: 1 }),
      fixtureFunction('init', 'index.initEcho', {
        initializer: { handler: 'index.initialize', timeoutSeconds: 3 },
      }),
      fixtureFunction('init-cb', 'index.initEcho', {
        initializer: { handler: 'index.initCallback', timeoutSeconds: 3 },
      }),
      fixtureFunction('init-fails', 'index.initEcho', {
        initializer: { handler: 'index.initFails', timeoutSeconds: 3 },
      }),
      fixtureFunction('init-hangs', 'index.initEcho', {
        initializer: { handler: 'index.initHangs', timeoutSeconds: 1 },
      }),
      fixtureFunction('esm', 'esm.handler', { codeDir: ESM_FIXTURES }),
      fixtureFunction('cjs', 'only.handler', { codeDir: CJS_FIXTURES }),
      fixtureFunction('esm-pkg', 'index.handler', { codeDir: ESM_PKG_FIXTURES }),
      fixtureFunction('many-lines', 'index.manyLines'),
      // Node refuses this option in NODE_OPTIONS and exits (code 9) before the host runs.
      fixtureFunction('exits-at-load', 'index.handler', {
        codeDir: EXITS_AT_LOAD_FIXTURES,
        environment: { DB_PASSWORD: 'S3cr3t-Passw0rd' },
      }),
      fixtureFunction('bad-node-options', 'index.text', {
        environment: { NODE_OPTIONS: '--cpu-prof' },
      }),
      fixtureFunction('views', 'index.views'),
      fixtureFunction('cjs-tla-dep', 'index.handler', { codeDir: CJS_TLA_DEP_FIXTURES }),
      fixtureFunction('levels', 'index.levels'),
      fixtureFunction('levels-warn', 'index.levels', {
        environment: { ALIYUN_FC_LOG_LEVEL: 'warn' },
      }),
      fixtureFunction('init-slow', 'index.initEcho', {
        timeoutSeconds: 1,
        initializer: { handler: 'index.initSlow', timeoutSeconds: 5 },
      }),
      fixtureFunction('broken', 'missing.handler'),
      fixtureFunction('logs', 'index.logs'),
      fixtureFunction('bigint', 'index.bigint'),
      fixtureFunction('whoami', 'index.whoami'),
      fixtureFunction('helper', 'index.startsHelper', { timeoutSeconds: 1 }),
      fixtureFunction('no-newline', 'index.noNewline'),
      fixtureFunction('big-result', 'index.bigResult'),
    ]);
    fc = new FC('1000000000000000', {
      accessKeyID: localKeys.accessKeyId,
      accessKeySecret: localKeys.accessKeySecret,
      region: 'cn-hangzhou',
      endpoint: stack.endpoint,
    });
  });
  afterAll(() => stack?.stop());

  it('passes the event as a Buffer with an FC context and the function environment', async () => {
    const out = await stack.runtime.invoke('echo', '{"a":1}');
    expect(out.ok).toBe(true);
    if (!out.ok) return;
    const seen = JSON.parse(out.body.toString('utf8'));
    expect(seen.event).toBe('{"a":1}');
    expect(seen.isBuffer).toBe(true);
    expect(seen.requestId).toMatch(/^1-[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{12}$/);
    expect(seen.function).toEqual({
      name: 'echo',
      handler: 'index.echo',
      memory: 128,
      timeout: 10,
    });
    expect(seen.hasCredentials).toBe(true);
    expect(seen.env).toEqual({
      QUEUEFLOW_ENDPOINT: stack.endpoint,
      FC_FUNCTION_NAME: 'echo',
      FC_REGION: 'cn-hangzhou',
      FC_ACCOUNT_ID: '1000000000000000',
      GREETING: 'hi',
    });
    expect(seen.pid).not.toBe(process.pid);
  });

  it('serves the FC invoke API to the unmodified @alicloud/fc2 client', async () => {
    const res = await fc.invokeFunction('default', 'text', 'world');
    expect(res.data).toBe('hello world');
    expect(res.headers['x-fc-error-type']).toBeUndefined();
  });

  it('runs the one local version for any qualifier and tells the handler which was asked for', async () => {
    const asked = async (qualifier?: string) => {
      const res = await fc.invokeFunction('default', 'echo', '{}', {}, qualifier);
      return JSON.parse(String(res.data)).service;
    };
    expect(await asked()).toEqual({
      logProject: '',
      logStore: '',
      qualifier: 'LATEST',
      versionId: '',
    });
    expect(await asked('prod')).toMatchObject({ qualifier: 'prod', versionId: '' });
    expect(await asked('3')).toMatchObject({ qualifier: '3' });
  });

  it('answers a thrown error with 200, x-fc-error-type and the error JSON', async () => {
    const res = await fc.invokeFunction('default', 'fail', '{}');
    expect(res.headers['x-fc-error-type']).toBe('UnhandledInvocationError');
    expect(res.data).toMatchObject({
      errorType: 'OrderNotFound',
      errorMessage: 'the order was not found',
    });
    expect(Array.isArray((res.data as { stackTrace?: unknown }).stackTrace)).toBe(true);
    const cb = await fc.invokeFunction('default', 'callback-fail', '{}');
    expect(cb.headers['x-fc-error-type']).toBe('HandledInvocationError');
  });

  it('fails an invocation whose result JSON cannot hold, with the error JSON, and keeps serving', async () => {
    const res = await fc.invokeFunction('default', 'bigint', '{}');
    expect(res.headers['x-fc-error-type']).toBe('UnhandledInvocationError');
    expect(res.data).toMatchObject({ errorType: 'TypeError' });
    expect(String((res.data as { errorMessage: string }).errorMessage)).toMatch(/BigInt/);
    expect((await fc.invokeFunction('default', 'text', 'again')).data).toBe('hello again');
  });

  it('runs an async invocation under the request id its 202 answered with', async () => {
    const res = await fc.invokeFunction('default', 'whoami', '{}', {
      'x-fc-invocation-type': 'Async',
    });
    const requestId = String(res.headers['x-fc-request-id']);
    expect(requestId).toMatch(/^1-/);
    await eventually(
      () => (stack.logs.some((l) => l.includes(`whoami ${requestId}`)) ? true : undefined),
      'the whoami line is logged',
    );
  });

  it('rejects a bad signature and an unknown function with FC API errors', async () => {
    const bad = new FC('1000000000000000', {
      accessKeyID: localKeys.accessKeyId,
      accessKeySecret: 'wrong-secret',
      region: 'cn-hangzhou',
      endpoint: stack.endpoint,
    });
    await expect(bad.invokeFunction('default', 'text', 'x')).rejects.toMatchObject({
      code: 'SignatureNotMatch',
    });
    await expect(fc.invokeFunction('default', 'nope', 'x')).rejects.toMatchObject({
      code: 'FunctionNotFound',
    });
  });

  it('refuses a body swapped under a signed Content-MD5 (the FC scheme signs the MD5, not the body)', async () => {
    const url = `${stack.endpoint}/2016-08-15/services/default/functions/echo/invocations`;
    const headers = signFc({ method: 'POST', url, body: 'body A', ...localKeys });
    const swapped = await fetch(url, { method: 'POST', headers, body: 'body B' });
    expect(swapped.status).toBe(403);
    expect(((await swapped.json()) as { ErrorCode: string }).ErrorCode).toBe('SignatureNotMatch');
    const honest = await fetch(url, { method: 'POST', headers, body: 'body A' });
    expect(honest.status).toBe(200);
    expect(((await honest.json()) as { event: string }).event).toBe('body A');
  });

  it('returns the invocation log tail in x-fc-log-result when asked with x-fc-log-type Tail', async () => {
    const res = await fc.invokeFunction('default', 'logs', '{}', { 'x-fc-log-type': 'Tail' });
    expect(res.data).toBe('logged');
    const tail = Buffer.from(String(res.headers['x-fc-log-result']), 'base64').toString('utf8');
    const requestId = String(res.headers['x-fc-request-id']);
    expect(tail).toContain(`FC Invoke Start RequestId: ${requestId}`);
    expect(tail).toMatch(
      new RegExp(`^${FC_TIME} ${requestId} \\[info\\] hello from the logger$`, 'm'),
    );
    expect(tail).toContain('plain console line');
    expect(tail).toContain(`FC Invoke End RequestId: ${requestId}`);
    const plain = await fc.invokeFunction('default', 'logs', '{}');
    expect(plain.headers['x-fc-log-result']).toBeUndefined();
  });

  it('keeps the last 4 KB of output in the Tail, however many writes it took', async () => {
    const res = await fc.invokeFunction('default', 'many-lines', '{}', { 'x-fc-log-type': 'Tail' });
    const tail = tailOf(res);
    expect(tail).toContain(`FC Invoke Start RequestId: ${String(res.headers['x-fc-request-id'])}`);
    expect(tail).toContain('\nline 0\n');
    expect(tail).toContain('\nline 99\n');
    expect(tail).toContain('FC Invoke End RequestId');
  });

  it("prefixes console and logger lines with FC's time, request id and level; process.stdout.write as is", async () => {
    const res = await fc.invokeFunction('default', 'levels', '{}', { 'x-fc-log-type': 'Tail' });
    expect(res.data).toBe('info');
    const requestId = String(res.headers['x-fc-request-id']);
    const lines = tailOf(res).trim().split('\n');
    expect(lines).toContain('raw write');
    const prefixed = (level: string, text: string) =>
      new RegExp(`^${FC_TIME} ${requestId} \\[${level}\\] ${text}$`);
    for (const [level, text] of [
      ['debug', 'console.debug line'],
      ['info', 'console.log line 1'],
      ['info', 'console.info line'],
      ['warn', 'console.warn line'],
      ['error', 'console.error line'],
      ['debug', 'logger.debug line'],
      ['info', 'logger.info line'],
      ['warn', 'logger.warn line'],
      ['error', 'logger.error line'],
    ] as const) {
      expect(
        lines.some((l) => prefixed(level, text).test(l)),
        `${level} ${text}`,
      ).toBe(true);
    }
    // The stack's own log keeps the level, without FC's time and request id.
    await eventually(
      () =>
        stack.logs.some((l) => l.endsWith('[queueflow:fn:levels] [warn] console.warn line'))
          ? true
          : undefined,
      'the console.warn line is logged',
    );
  });

  it('prints only lines at or above ALIYUN_FC_LOG_LEVEL, and process.stdout.write whatever it is', async () => {
    const res = await fc.invokeFunction('default', 'levels-warn', '{}', {
      'x-fc-log-type': 'Tail',
    });
    expect(res.data).toBe('warn');
    const logged = tailOf(res)
      .trim()
      .split('\n')
      .filter((l) => !l.startsWith('FC Invoke'))
      .map((l) => l.replace(new RegExp(`^${FC_TIME} \\S+ `), ''));
    expect(logged).toEqual([
      'raw write',
      '[warn] console.warn line',
      '[error] console.error line',
      '[warn] logger.warn line',
      '[error] logger.error line',
    ]);
  });

  it('keeps the Tail of an invocation that crashes or times out: what it wrote on the way down', async () => {
    const res = await fc.invokeFunction('default', 'crash-loud', '{}', { 'x-fc-log-type': 'Tail' });
    expect(res.headers['x-fc-error-type']).toBe('UnhandledInvocationError');
    const tail = Buffer.from(String(res.headers['x-fc-log-result']), 'base64').toString('utf8');
    expect(tail).toContain(`FC Invoke Start RequestId: ${String(res.headers['x-fc-request-id'])}`);
    expect(tail).toContain('about to fall over');
    expect(tail).toContain('Error: boom in a callback');

    const hung = await stack.runtime.invoke('hang-loud', '{}');
    expect(hung.ok).toBe(false);
    if (hung.ok) return;
    expect(hung.timedOut).toBe(true);
    expect(Buffer.from(hung.logTail ?? '', 'base64').toString('utf8')).toContain('waiting forever');
  });

  it('runs the initializer once per instance before its first invocation', async () => {
    const first = await stack.runtime.invoke('init', '{}');
    const second = await stack.runtime.invoke('init', '{}');
    for (const out of [first, second]) expect(out.ok).toBe(true);
    if (!first.ok || !second.ok) return;
    const a = JSON.parse(first.body.toString('utf8'));
    const b = JSON.parse(second.body.toString('utf8'));
    expect(a).toMatchObject({ initState: 'initialized in init', initCount: 1 });
    // No instance is initialized twice (the second call may land on either instance).
    expect(b).toMatchObject({ initState: 'initialized in init', initCount: 1 });
    const cb = await stack.runtime.invoke('init-cb', '{}');
    expect(cb.ok && JSON.parse(cb.body.toString('utf8')).initState).toBe('initialized by callback');
  });

  it('fails the invocation with InitializationError when the initializer throws or times out', async () => {
    const res = await fc.invokeFunction('default', 'init-fails', '{}');
    expect(res.headers['x-fc-error-type']).toBe('InitializationError');
    expect(res.data).toMatchObject({ errorMessage: 'no database' });
    // The failed instance is not handed out again: the next call initializes anew.
    const again = await stack.runtime.invoke('init-fails', '{}');
    expect(!again.ok && again.kind).toBe('InitializationError');
    const hung = await stack.runtime.invoke('init-hangs', '{}');
    expect(hung.ok).toBe(false);
    if (hung.ok) return;
    expect(hung.kind).toBe('InitializationError');
    expect(hung.error.errorMessage).toBe('the initializer timed out after 1 s');
  });

  it('loads an ES module handler (a .mjs file) and a .cjs one', async () => {
    const out = await stack.runtime.invoke('esm', 'hi');
    expect(out.ok && JSON.parse(out.body.toString('utf8'))).toEqual({ esm: true, event: 'hi' });
    const cjs = await stack.runtime.invoke('cjs', '{}');
    expect(cjs.ok && JSON.parse(cjs.body.toString('utf8'))).toEqual({ cjs: true });
  });

  it('keeps the bytes each write gave in the Tail: a Buffer reused afterwards, a Uint16Array, a DataView', async () => {
    const res = await fc.invokeFunction('default', 'views', '{}', { 'x-fc-log-type': 'Tail' });
    const tail = tailOf(res);
    expect(tail).toMatch(/RequestId: \S+\nfirst\nhi!\ndv\nFC Invoke End/);
    expect(tail).not.toContain('AFTER');
  });

  it('runs a CommonJS index.js once when a module it requires cannot be required', async () => {
    const ran = () => stack.logs.filter((l) => l.includes('CJS-TLA-DEP top level ran')).length;
    const before = ran();
    const out = await stack.runtime.invoke('cjs-tla-dep', '{}');
    expect(out.ok).toBe(false);
    await eventually(() => ran() > before, 'the top level of index.js has logged');
    // A second run (the import() after the failed require) logs right after the
    // first: a negative check, so a pause only makes it more lenient, never flaky.
    await new Promise((r) => setTimeout(r, 200));
    expect(ran() - before).toBe(1);
  });

  it('loads index.js as an ES module when package.json says "type": "module", top-level await included', async () => {
    const res = await fc.invokeFunction('default', 'esm-pkg', 'hi');
    expect(res.headers['x-fc-error-type']).toBeUndefined();
    expect(JSON.parse(String(res.data))).toEqual({ greeting: 'loaded with import()', event: 'hi' });
  });

  it("gives the initializer its own time, not the function's", async () => {
    // Function timeout 1 s, initializer 1.3 s within its 5 s: the first call succeeds.
    const out = await stack.runtime.invoke('init-slow', '{}');
    expect(out.ok, out.ok ? '' : out.error.errorMessage).toBe(true);
  });

  it('accepts an async invocation with 202 and runs it', async () => {
    const before = stack.logs.filter((l) => l.includes('plain console line')).length;
    const res = await fc.invokeFunction('default', 'logs', 'async', {
      'x-fc-invocation-type': 'Async',
    });
    expect(res.data).toBe('');
    expect(res.headers['x-fc-request-id']).toBeTruthy();
    // It ran in the background: the function's own log line reaches the stack's log.
    await eventually(
      () =>
        stack.logs.filter((l) => l.includes('plain console line')).length > before
          ? true
          : undefined,
      'another plain console line is logged',
    );
  });

  it('kills a function that runs past its timeout and serves the next call from a fresh instance', async () => {
    const before = stack.runtime
      .list()
      .find((f) => f.name === 'slow')!
      .instances.map((i) => i.pid);
    const out = await stack.runtime.invoke('slow', '5000');
    expect(out.ok).toBe(false);
    if (out.ok) return;
    expect(out.timedOut).toBe(true);
    expect(out.error.errorMessage).toMatch(/timed out after 1 seconds/);
    const again = await stack.runtime.invoke('slow', '10');
    expect(again.ok).toBe(true);
    const after = stack.runtime
      .list()
      .find((f) => f.name === 'slow')!
      .instances.map((i) => i.pid);
    expect(after.some((pid) => before.includes(pid))).toBe(false);
  });

  it('kills what a function started along with its instance when it times out', async () => {
    const marker = join(mkdtempSync(join(tmpdir(), 'qf-helper-')), 'pid');
    const out = await stack.runtime.invoke('helper', JSON.stringify({ marker }));
    expect(!out.ok && out.timedOut).toBe(true); // it never returns
    const pid = Number(readFileSync(marker, 'utf8'));
    await eventually(
      () => (processGone(pid) ? true : undefined),
      'the process the function started is gone',
    );
  });

  it('logs output that never ends a line in pieces, while the instance lives', async () => {
    const out = await stack.runtime.invoke('no-newline', JSON.stringify({ bytes: 200_000 }));
    expect(out.ok).toBe(true);
    // 64 KiB pieces, logged as they come: the stack does not hold the whole line.
    const piece = 'x'.repeat(64 * 1024);
    const pieces = stack.logs.filter((l) => l.includes(piece) && !l.includes(`${piece}x`));
    expect(pieces.length).toBeGreaterThanOrEqual(3);
  });

  it('fails a result over the 32 MB a synchronous invocation returns', async () => {
    const out = await stack.runtime.invoke(
      'big-result',
      JSON.stringify({ bytes: 33 * 1024 * 1024 }),
    );
    expect(out.ok).toBe(false);
    if (out.ok) return;
    expect(out.error).toMatchObject({ errorType: 'ResponseTooLarge' });
    expect(out.error.errorMessage).toMatch(/over the 33554432 \(32 MB\)/);
    const small = await stack.runtime.invoke('big-result', JSON.stringify({ bytes: 10 }));
    expect(small.ok && small.body.toString()).toBe('yyyyyyyyyy');
  });

  it('reports a crashed instance and restarts it', async () => {
    const out = await stack.runtime.invoke('crash', '{}');
    expect(out.ok).toBe(false);
    if (out.ok) return;
    expect(out.error.errorMessage).toMatch(/Process exited unexpectedly/);
    await eventually(
      () =>
        stack.runtime.list().find((f) => f.name === 'crash')?.instances.length ? true : undefined,
      'the crash function has a new instance',
    );
  });

  it('quotes what an instance printed when it exited while starting (Node refusing NODE_OPTIONS, say)', async () => {
    const out = await stack.runtime.invoke('bad-node-options', '{}');
    expect(out.ok).toBe(false);
    if (out.ok) return;
    expect(out.kind).toBe('InitializationError');
    expect(out.error.errorMessage).toMatch(
      /instance exited during initialization \(code 9\); it printed: .*--cpu-prof is not allowed in NODE_OPTIONS/,
    );
  });

  it("never quotes a function's own startup output in its InitializationError", async () => {
    const out = await stack.runtime.invoke('exits-at-load', '{}');
    expect(out.ok).toBe(false);
    if (out.ok) return;
    expect(out.kind).toBe('InitializationError');
    expect(out.error.errorMessage).toBe('instance exited during initialization (code 1)');
    // It is the function's log: the stack's log has it.
    expect(stack.logs.some((l) => l.includes('connecting to postgres://admin:'))).toBe(true);
  });

  it('reports a bundle that cannot load as an InitializationError', async () => {
    const out = await stack.runtime.invoke('broken', '{}');
    expect(out.ok).toBe(false);
    if (out.ok) return;
    expect(out.kind).toBe('InitializationError');
    expect(out.error.errorMessage).toMatch(/Cannot find module/);
  });

  it('maps function outcomes for FDL task steps through the invoker', async () => {
    await expect(stack.runtime.invoker({ functionName: 'text', payload: 'flow' })).resolves.toEqual(
      { ok: true, body: 'hello flow' },
    );
    await expect(stack.runtime.invoker({ functionName: 'fail', payload: '{}' })).resolves.toEqual({
      ok: false,
      error: 'OrderNotFound',
      cause: 'the order was not found',
    });
    await expect(
      stack.runtime.invoker({ functionName: 'ghost', payload: '{}' }),
    ).resolves.toMatchObject({
      ok: false,
      error: 'FC.FunctionNotFound',
    });
  });
});
