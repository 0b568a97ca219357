// The console in real headless Chromium against a real local stack: the demo flow run by
// a worker over the unmodified SDKs, a failing flow, every step type, the start and stop
// actions, the lists and the queues page.
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../local/log';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { DEMO_FLOW, FAILING_FLOW, IDLE_FLOW, QUICK_FLOW, RETRY_FLOW, SHAPES_FLOW } from './flows';
import {
  createFnf,
  createMns,
  type Fnf,
  hasChromium,
  launchChromium,
  NO_CHROMIUM_NOTICE,
  startWorker,
  type TestWorker,
} from './support';

/** Token-shaped text (base64 of "v2#...") that a task's error cause quotes. */
const QUOTED_TOKEN = `djIj${'QUJD'.repeat(10)}`;
const SHOTS = join(process.cwd(), 'test-results');
const orEmpty = (t: string | null): string => t ?? '';

if (!hasChromium) {
  process.stderr.write(`\n*** ${NO_CHROMIUM_NOTICE}\n\n`);
  describe('console in a browser', () => {
    it.skip(NO_CHROMIUM_NOTICE, () => {});
  });
}

describe.runIf(hasChromium)('console in headless Chromium', () => {
  let stack: LocalStack;
  let fnf: Fnf;
  let worker: TestWorker;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];
  const requests: string[] = [];
  let bundleMs = 0;
  let bundleBytes = 0;

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    stack = await startLocalStack({ port: 0, memory: true, logger: silentLogger });
    fnf = createFnf(stack);
    const mns = createMns(stack);
    await mns.createQueue('queueflow-tasks');
    await mns.createQueue('queueflow-idle');
    const flows = {
      'queueflow-demo': DEMO_FLOW,
      'queueflow-failing': FAILING_FLOW,
      'queueflow-shapes': SHAPES_FLOW,
      'queueflow-idle': IDLE_FLOW,
      'queueflow-quick': QUICK_FLOW,
      'queueflow-retry': RETRY_FLOW,
    };
    let flakyCalls = 0;
    for (const [Name, Definition] of Object.entries(flows)) {
      await fnf('CreateFlow', {
        Name,
        Definition,
        Description: `console test: ${Name}`,
        Type: 'FDL',
      });
    }
    worker = startWorker({
      mns,
      fnf,
      queue: 'queueflow-tasks',
      handle: (body) => {
        switch (body.task_type) {
          case 'extract':
            return { output: { rows: 3, source: body.source } };
          case 'transform':
            return { output: { rows: Number(body.rows) * 2 } };
          case 'load':
            return { output: { loaded: body.rows } };
          case 'flaky':
            flakyCalls++;
            return flakyCalls === 1
              ? { error: 'Transient', cause: 'the database is busy' }
              : { output: { ok: true, calls: flakyCalls } };
          default:
            // The cause quotes a token (of another task): the page shows only its preview.
            return { error: 'ValidationError', cause: `row 7 has no id (see ${QUOTED_TOKEN})` };
        }
      },
    });
    // The client is bundled on its first request; time that once, apart from the page.
    const t0 = Date.now();
    const script = await fetch(`${stack.endpoint}/console/app.js`);
    bundleBytes = (await script.arrayBuffer()).byteLength;
    bundleMs = Date.now() - t0;
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1500, height: 1000 } });
    page.on('pageerror', (err) => pageErrors.push(String(err)));
    page.on('request', (req) => requests.push(req.url()));
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await worker?.stop();
    await stack?.stop();
  });

  const open = async (hash: string) => {
    await page.goto(`${stack.endpoint}/console#${hash}`);
  };
  const stepState = (name: string) =>
    page
      .locator(`g.node[data-step="${name}"]:not([data-kind="group"]):not([data-kind="join"])`)
      .first();
  const expectState = async (name: string, state: string) => {
    await page.waitForFunction(
      ([n, s]) =>
        document
          .querySelector(
            `g.node[data-step="${n}"]:not([data-kind="group"]):not([data-kind="join"])`,
          )
          ?.getAttribute('data-state') === s,
      [name, state],
      { timeout: 10_000 },
    );
  };
  const panelField = async (field: string) =>
    (
      await page
        .locator(`[data-role="step-panel"] [data-field="${field}"]`)
        .first()
        .textContent()
        .then(orEmpty)
    ).trim();
  const panelJson = async (field: string) =>
    JSON.parse(
      await page
        .locator(`[data-role="step-panel"] [data-field="${field}"] pre`)
        .textContent()
        .then(orEmpty),
    );
  // The page derives states from the live history; the engine has its own read model.
  // They must agree on every step instance the engine reports.
  const expectAgreesWithEngine = async (flow: string, execution: string) => {
    const allowed: Record<string, string[]> = {
      succeeded: ['succeeded', 'retried'],
      failed: ['failed'],
      running: ['running', 'waiting', 'retried'],
    };
    const instances = stack.engine.getStepStates({ FlowName: flow, ExecutionName: execution });
    expect(instances.length).toBeGreaterThan(0);
    for (const step of instances) {
      const shown = await stepState(step.name).getAttribute('data-state');
      expect(allowed[step.status], `${step.name} is ${step.status} in the engine`).toContain(shown);
    }
  };
  const countExecutions = async (flow: string) =>
    (await fnf<{ Executions: unknown[] }>('ListExecutions', { FlowName: flow, Limit: 99 }))
      .Executions.length;

  it('starts the demo from the page and colours its steps live while the worker runs it', async () => {
    worker.hold('transform');
    await open('/flows/queueflow-demo');
    await page.locator('[data-role="start-name"]').fill('demo-1');
    await page.locator('[data-role="start-input"]').fill('{"source": "orders-2026-11.csv"}');
    const clicked = Date.now();
    await page.locator('[data-role="start"]').click();
    await page.waitForURL(/#\/flows\/queueflow-demo\/executions\/demo-1$/);
    await page.waitForSelector('.execution-page[data-graph="ready"][data-live="true"]');
    const pageReadyMs = Date.now() - clicked;
    await expectState('Task_1', 'succeeded');
    await expectState('Task_2', 'waiting');
    expect(await stepState('Task_3').getAttribute('data-state')).toBe('not-reached');
    expect(await page.locator('[data-role="status"]').textContent().then(orEmpty)).toBe('Running');
    await page.screenshot({ path: join(SHOTS, 'console-demo-waiting.png'), fullPage: true });

    // Mark the document: if the page reloaded to pick up the change, the mark would go.
    await page.evaluate(() => {
      (window as unknown as { __mark: number }).__mark = 42;
    });
    // Note when each step turns green, to measure report -> pixel latency.
    await page.evaluate(() => {
      const seen: Record<string, number> = {};
      (window as unknown as { __seen: Record<string, number> }).__seen = seen;
      new MutationObserver((records) => {
        for (const r of records) {
          const el = r.target as Element;
          const name = el.getAttribute('data-step');
          if (name && el.getAttribute('data-state') === 'succeeded') seen[name] ??= Date.now();
        }
      }).observe(document.body, { subtree: true, attributeFilter: ['data-state'] });
    });
    worker.release('transform');
    await expectState('Task_2', 'succeeded');
    await expectState('Task_3', 'succeeded');
    await page.waitForSelector('.execution-page[data-status="Succeeded"]');
    expect(await page.evaluate(() => (window as unknown as { __mark?: number }).__mark)).toBe(42);
    // The path taken, Start -> Task_1 -> Task_2 -> Task_3 -> End, is drawn as taken.
    await page.waitForSelector('g.edge[data-to="end"][data-taken="true"]', { state: 'attached' });
    const taken = await page
      .locator('g.edge')
      .evaluateAll((els) =>
        els.map(
          (e) =>
            `${e.getAttribute('data-from')}>${e.getAttribute('data-to')}:${e.getAttribute('data-taken')}`,
        ),
      );
    expect(taken.sort()).toEqual(
      [
        'start>steps[0]:true',
        'steps[0]>steps[1]:true',
        'steps[1]>steps[2]:true',
        'steps[2]>end:true',
      ].sort(),
    );
    expect(
      JSON.parse(await page.locator('[data-role="execution-output"]').textContent().then(orEmpty)),
    ).toEqual({
      rows: 6,
      loaded: 6,
      source: 'orders-2026-11.csv',
    });
    // The definition is shown beside the graph.
    expect(await page.locator('[data-role="definition"]').textContent().then(orEmpty)).toContain(
      'name: Task_2',
    );
    await page.screenshot({ path: join(SHOTS, 'console-demo.png'), fullPage: true });
    const seen = await page.evaluate(
      () => (window as unknown as { __seen: Record<string, number> }).__seen,
    );
    const live = ['transform', 'load'].map((t, i) => {
      const step = i === 0 ? 'Task_2' : 'Task_3';
      return (seen[step] ?? Number.NaN) - (worker.reportSentAt[t] ?? Number.NaN);
    });
    for (const ms of live) expect(ms).toBeLessThan(2000);
    process.stdout.write(
      `console figures: client bundle ${(bundleBytes / 1024).toFixed(0)} KiB built on first request in ${bundleMs} ms; start click -> execution page live with graph ${pageReadyMs} ms; ReportTaskSucceeded sent -> step green in the page ${live.join(' ms, ')} ms\n`,
    );
  });

  it('shows the input, output, attempts and token of a step in the step panel', async () => {
    await stepState('Task_2').click();
    expect(await panelField('step-name')).toBe('Task_2');
    // The definition beside the graph marks the clicked step.
    expect(await page.locator('[data-role="definition"] .def-line.selected').textContent()).toMatch(
      /name: Task_2/,
    );
    expect(await panelField('state')).toBe('succeeded');
    const input = await panelJson('input');
    expect(input).toMatchObject({ task_type: 'transform', rows: 3 });
    expect(await panelJson('output')).toEqual({ rows: 6 });
    expect(await panelJson('local')).toEqual({ rows: 6 });
    expect(await panelField('attempt-count')).toContain('1');
    expect(await panelField('token-status')).toBe('succeeded');
    // The token itself is a credential: only a preview is shown.
    const history = await fnf<{
      Events: { Type: string; StepName: string; EventDetail: string }[];
    }>('GetExecutionHistory', { FlowName: 'queueflow-demo', ExecutionName: 'demo-1', Limit: 100 });
    const scheduled = history.Events.find(
      (e) => e.Type === 'TaskScheduled' && e.StepName === 'Task_2',
    );
    const token = String(JSON.parse(scheduled?.EventDetail ?? '{}').input?.task_token);
    expect(token.length).toBeGreaterThan(20);
    expect(String(input.task_token)).toContain('…');
    expect(token.startsWith(String(input.task_token).split('…')[0] ?? '-')).toBe(true);
    expect(
      await page.locator('[data-role="step-panel"]').textContent().then(orEmpty),
    ).not.toContain(token);
    expect(await page.locator('[data-role="history"]').textContent().then(orEmpty)).not.toContain(
      token,
    );
    await page.screenshot({ path: join(SHOTS, 'console-step-panel.png'), fullPage: true });
    // The picture in the README: QUEUEFLOW_UPDATE_DOCS=1 refreshes docs/console.png.
    const overview = join(SHOTS, 'console-overview.png');
    await page.screenshot({ path: overview });
    if (process.env.QUEUEFLOW_UPDATE_DOCS)
      copyFileSync(overview, join(process.cwd(), 'docs', 'console.png'));
    // Nothing in the page is wider than the window.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
      1500,
    );

    const types = await page
      .locator('[data-role="history"] tbody tr')
      .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-type')));
    expect(types[0]).toBe('ExecutionStarted');
    expect(types.at(-1)).toBe('ExecutionSucceeded');
    expect(types.filter((t) => t === 'TaskSucceeded')).toHaveLength(3);
  });

  it('shows where a failing flow failed, with the error and cause', async () => {
    await fnf('StartExecution', {
      FlowName: 'queueflow-failing',
      ExecutionName: 'bad-batch',
      Input: JSON.stringify({ batch: 'b-7' }),
    });
    await open('/flows/queueflow-failing/executions/bad-batch');
    await page.waitForSelector('.execution-page[data-status="Failed"]');
    await page.waitForFunction(() =>
      /ValidationError · row 7 has no id/.test(
        document.querySelector('[data-role="execution-error"]')?.textContent ?? '',
      ),
    );
    await expectState('Prepare', 'succeeded');
    await expectState('Validate', 'failed');
    expect(await stepState('Load').getAttribute('data-state')).toBe('not-reached');
    await stepState('Validate').click();
    expect(await panelField('error')).toContain('ValidationError');
    expect(await panelField('cause')).toContain('row 7 has no id');
    expect(await panelJson('input')).toMatchObject({ task_type: 'validate', batch: 'b-7' });
    await expectAgreesWithEngine('queueflow-failing', 'bad-batch');
    expect(await panelField('token-status')).toBe('failed');
    // Banner, step panel and attempts table: the quoted token only as a preview.
    const pageText = await page.evaluate(() => document.body.textContent ?? '');
    expect(pageText).toContain(QUOTED_TOKEN.slice(0, 10));
    expect(pageText).not.toContain(QUOTED_TOKEN);
    await page.screenshot({ path: join(SHOTS, 'console-failed.png'), fullPage: true });
  });

  it('draws every step type nested and leaves the branch not taken grey', async () => {
    await fnf('StartExecution', {
      FlowName: 'queueflow-shapes',
      ExecutionName: 'fan-out',
      Input: JSON.stringify({ mode: 'fan', items: ['a', 'b', 'c'] }),
    });
    await open('/flows/queueflow-shapes/executions/fan-out');
    await page.waitForSelector('.execution-page[data-status="Succeeded"]', { timeout: 15_000 });
    const kinds = await page
      .locator('g.node')
      .evaluateAll((els) => [...new Set(els.map((e) => e.getAttribute('data-kind')))].sort());
    expect(kinds).toEqual(
      [
        'choice',
        'end',
        'fail',
        'foreach',
        'group',
        'join',
        'parallel',
        'pass',
        'start',
        'succeed',
        'wait',
      ].sort(),
    );
    for (const name of ['Setup', 'Route', 'Fan', 'EachItem', 'Touch', 'Breathe', 'Done']) {
      await expectState(name, 'succeeded');
    }
    expect(await stepState('Unknown').getAttribute('data-state')).toBe('not-reached');
    await expectAgreesWithEngine('queueflow-shapes', 'fan-out');
    const toUnknown = page.locator('g.edge[data-to="steps[1].default.steps[0]"]');
    expect(await toUnknown.getAttribute('data-taken')).toBe('false');
    await stepState('Touch').click();
    // One pass per item of the foreach.
    expect(await page.locator('[data-role="step-panel"] [data-field="run"] option').count()).toBe(
      3,
    );
    await page.screenshot({ path: join(SHOTS, 'console-shapes.png'), fullPage: true });
  });

  it('refuses invalid JSON input inline and starts nothing', async () => {
    const before = await countExecutions('queueflow-demo');
    await open('/flows/queueflow-demo');
    await page.locator('[data-role="start-input"]').fill('{"source": ');
    await page.locator('[data-role="start"]').click();
    const error = page.locator('[data-role="start-error"]');
    await error.waitFor({ state: 'visible' });
    expect(await error.textContent().then(orEmpty)).toMatch(/not valid JSON/);
    await page.locator('[data-role="start-input"]').fill('["not", "an", "object"]');
    await page.locator('[data-role="start"]').click();
    await page.waitForFunction(() =>
      /must be a JSON object/.test(
        document.querySelector('[data-role="start-error"]')?.textContent ?? '',
      ),
    );
    expect(page.url()).toMatch(/#\/flows\/queueflow-demo$/);
    expect(await countExecutions('queueflow-demo')).toBe(before);
    await page.screenshot({ path: join(SHOTS, 'console-invalid-input.png') });
  });

  it('stops a waiting execution from the page and cancels its token', async () => {
    await fnf('StartExecution', {
      FlowName: 'queueflow-idle',
      ExecutionName: 'needs-approval',
      Input: JSON.stringify({ request: 'refund #12' }),
    });
    await open('/flows/queueflow-idle/executions/needs-approval');
    await expectState('Wait_For_Human', 'waiting');
    await page.locator('[data-role="stop"]').click();
    await page.waitForSelector('.execution-page[data-status="Stopped"]');
    await expectState('Wait_For_Human', 'failed');
    await stepState('Wait_For_Human').click();
    expect(await panelField('token-status')).toBe('cancelled');
    const described = await fnf<{ Status: string }>('DescribeExecution', {
      FlowName: 'queueflow-idle',
      ExecutionName: 'needs-approval',
    });
    expect(described.Status).toBe('Stopped');
  });

  it('shows queue depth, dead letters, and peeks at the messages nobody took', async () => {
    await open('/queues');
    const row = page.locator('[data-role="queues"] tr[data-queue="queueflow-idle"]');
    await row.waitFor();
    expect(await row.locator('[data-field="active"]').textContent().then(orEmpty)).toBe('1');
    expect(await row.locator('[data-field="inflight"]').textContent().then(orEmpty)).toBe('0');
    await row.locator('[data-role="peek"]').click();
    const messages = page.locator('[data-role="messages"][data-queue="queueflow-idle"]');
    await messages.waitFor();
    expect(await messages.textContent().then(orEmpty)).toContain('refund #12');
    // A message received once too often moves to the dead-letter queue (a local extension).
    stack.queues.createQueue('queueflow-poison-dlq');
    stack.queues.createQueue('queueflow-poison', {
      DeadLetterQueue: 'queueflow-poison-dlq',
      MaxReceiveCount: 1,
    });
    stack.queues.sendMessage('queueflow-poison', { body: JSON.stringify({ task_type: 'poison' }) });
    const first = await stack.queues.receiveMessages('queueflow-poison', {
      max: 1,
      waitSeconds: 1,
      visibilityTimeout: 1,
    });
    expect(first).toHaveLength(1);
    // Woken when the visibility ends; the second receive moves the message instead.
    const second = await stack.queues.receiveMessages('queueflow-poison', {
      max: 1,
      waitSeconds: 2,
    });
    expect(second).toHaveLength(0);
    await page.locator('[data-role="refresh"]').click();
    const poison = page.locator('[data-role="queues"] tr[data-queue="queueflow-poison"]');
    await page.waitForFunction(
      () =>
        document.querySelector('tr[data-queue="queueflow-poison"] [data-field="dead-lettered"]')
          ?.textContent === '1',
    );
    expect(await poison.textContent()).toContain('queueflow-poison-dlq');
    const dlq = page.locator('[data-role="queues"] tr[data-queue="queueflow-poison-dlq"]');
    expect(await dlq.locator('[data-field="active"]').textContent()).toBe('1');
    await dlq.locator('[data-role="peek"]').click();
    await page.waitForSelector('[data-role="messages"][data-queue="queueflow-poison-dlq"]');
    expect(await page.locator('[data-role="messages"]').textContent()).toContain('poison');
    await page.screenshot({ path: join(SHOTS, 'console-queues.png'), fullPage: true });
  });

  it('lists executions with a status filter, a name prefix and pages of 20', async () => {
    for (let i = 1; i <= 21; i++) {
      await fnf('StartExecution', {
        FlowName: 'queueflow-quick',
        ExecutionName: `q-${String(i).padStart(2, '0')}`,
        Input: '{}',
      });
    }
    await open('/flows/queueflow-quick');
    const rows = page.locator('[data-role="executions"] tbody tr[data-execution]');
    await page.waitForFunction(
      () =>
        document.querySelectorAll('[data-role="executions"] tbody tr[data-execution]').length ===
        20,
    );
    expect(await page.locator('[data-role="next"]').isEnabled()).toBe(true);
    await page.locator('[data-role="next"]').click();
    await page.waitForFunction(
      () =>
        document.querySelectorAll('[data-role="executions"] tbody tr[data-execution]').length === 1,
    );
    expect(await page.locator('[data-role="page"]').textContent().then(orEmpty)).toBe('page 2');
    await page.locator('[data-role="prefix-filter"]').fill('q-2');
    await page.waitForFunction(
      () =>
        document.querySelectorAll('[data-role="executions"] tbody tr[data-execution]').length === 2,
    );
    expect(
      (await rows.evaluateAll((r) => r.map((x) => x.getAttribute('data-execution')))).sort(),
    ).toEqual(['q-20', 'q-21']);
    await page.locator('[data-role="prefix-filter"]').fill('');
    await page.locator('[data-role="status-filter"]').selectOption('Failed');
    await page.waitForFunction(
      () =>
        document.querySelectorAll('[data-role="executions"] tbody tr[data-execution]').length ===
          0 &&
        /No executions match/.test(
          document.querySelector('[data-role="executions"] tbody')?.textContent ?? '',
        ),
    );
  });

  it('renders payloads as text, never as markup', async () => {
    const evil = '<img src=x onerror=window.__pwned=1><b>bold</b>';
    await fnf('StartExecution', {
      FlowName: 'queueflow-quick',
      ExecutionName: 'evil',
      Input: JSON.stringify({ html: evil }),
    });
    await open('/flows/queueflow-quick/executions/evil');
    await page.waitForSelector('.execution-page[data-status="Succeeded"]');
    expect(
      await page.locator('[data-role="execution-input"]').textContent().then(orEmpty),
    ).toContain(evil);
    await stepState('Echo').click();
    expect(await page.locator('[data-role="step-panel"]').textContent().then(orEmpty)).toContain(
      '<b>bold</b>',
    );
    expect(await page.locator('main img, main b').count()).toBe(0);
    expect(
      await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned),
    ).toBeUndefined();
    expect(pageErrors).toEqual([]);
  });
  it('updates the executions list live as executions start and end', async () => {
    await open('/flows/queueflow-failing');
    await page.waitForSelector('[data-role="executions"] tr[data-execution="bad-batch"]');
    await page.evaluate(() => {
      (window as unknown as { __mark: number }).__mark = 7;
    });
    await fnf('StartExecution', {
      FlowName: 'queueflow-failing',
      ExecutionName: 'bad-batch-2',
      Input: JSON.stringify({ batch: 'b-8' }),
    });
    await page.waitForSelector(
      '[data-role="executions"] tr[data-execution="bad-batch-2"][data-status="Failed"]',
    );
    expect(await page.evaluate(() => (window as unknown as { __mark?: number }).__mark)).toBe(7);
  });

  it('shows a task that failed once and succeeded on retry as retried, with both attempts', async () => {
    await fnf('StartExecution', {
      FlowName: 'queueflow-retry',
      ExecutionName: 'flaky-1',
      Input: JSON.stringify({ job: 'nightly' }),
    });
    await open('/flows/queueflow-retry/executions/flaky-1');
    await page.waitForSelector('.execution-page[data-status="Succeeded"]', { timeout: 15_000 });
    await expectState('Flaky', 'retried');
    await stepState('Flaky').click();
    const outcomes = await page
      .locator('[data-role="step-panel"] table.attempts tbody tr')
      .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-outcome')));
    expect(outcomes).toEqual(['failed', 'succeeded']);
    expect(await panelJson('output')).toEqual({ ok: true, calls: 2 });
    expect(await page.locator('[data-role="step-panel"] table.attempts').textContent()).toContain(
      'Transient: the database is busy',
    );
    await page.screenshot({ path: join(SHOTS, 'console-retried.png'), fullPage: true });
  });

  it('loads nothing from outside the stack', () => {
    expect(requests.length).toBeGreaterThan(10);
    expect(requests.filter((u) => !u.startsWith(`${stack.endpoint}/console`))).toEqual([]);
  });
});
