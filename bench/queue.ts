// Queue benchmarks: the local MNS service as a separate process (the built CLI,
// durable file store in a temp dir) driven by the unmodified @alicloud/mns SDK.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  LOCAL_ACCESS_KEY_ID,
  LOCAL_ACCESS_KEY_SECRET,
  LOCAL_ACCOUNT_ID,
} from '../local/credentials';
import { createSdkClient, type SdkMnsClient } from '../test/support/mns-sdk';
import { signMnsHeaders } from '../test/support/mns-sign';
import { spawnLocal } from '../test/support/spawn-local';
import {
  type BenchSection,
  bareHttpRoundTrips,
  percentile,
  processCpuMs,
  withBareServer,
} from './harness';

const root = join(import.meta.dirname, '..');

const LOCAL_KEY = { accessKeyId: LOCAL_ACCESS_KEY_ID, accessKeySecret: LOCAL_ACCESS_KEY_SECRET };

function sdk(endpoint: string): SdkMnsClient {
  return createSdkClient({ accountId: LOCAL_ACCOUNT_ID, endpoint, credentials: LOCAL_KEY });
}

/**
 * The machine's floor for a wake-up: a trivial node:http server in another
 * process parks a GET and answers it from inside the next POST, measured the
 * way wakeLatency measures (plain node:http clients, a 2 ms pause per round).
 * No HTTP queue on this box can wake a parked receiver faster than this.
 */
function bareWakeFloor(rounds: number): Promise<number[]> {
  return withBareServer(
    // A one-slot queue: a POST that finds no parked GET leaves its message for the next GET.
    `let parked; let queued = 0;
     const answer = (s) => { s.writeHead(200, { 'content-type': 'text/xml' }); s.end('<Message><MessageBody>x</MessageBody></Message>'); };`,
    `(q, s) => {
       if (q.method === 'GET') { if (queued > 0) { queued--; answer(s); } else parked = s; return; }
       const p = parked; parked = undefined;
       if (p) answer(p); else queued++;
       s.writeHead(201, { 'content-type': 'text/xml' }); s.end('<Message><MessageId>x</MessageId></Message>');
     }`,
    async (call) => {
      const senders = new Agent({ keepAlive: true });
      const receivers = new Agent({ keepAlive: true });
      const samples: number[] = [];
      for (let i = 0; i < rounds + 50; i++) {
        const got = call('GET', receivers);
        await new Promise((r) => setTimeout(r, 2));
        const t0 = performance.now();
        const sent = call('POST', senders, '<Message><MessageBody>x</MessageBody></Message>');
        await got;
        if (i >= 50) samples.push(performance.now() - t0);
        await sent; // before the next round (and before the server goes away)
      }
      senders.destroy();
      receivers.destroy();
      return samples;
    },
  );
}

/** Rounds the wake latency lets V8 warm up on before they count. */
const WAKE_WARMUP_ROUNDS = 2000;

/**
 * send -> receive latency with a long-poll receiver already parked: `cold` is
 * the first 250 rounds after the server started, `warm` the `rounds` after a
 * warm-up of WAKE_WARMUP_ROUNDS. (On this machine the p50 falls from about
 * 1.4 ms to 0.8-1.0 ms over the first 1,500 rounds as V8 optimizes the server's
 * and the SDK's hot paths, then stays there.)
 */
async function wakeLatency(
  endpoint: string,
  rounds: number,
): Promise<{ cold: number[]; warm: number[] }> {
  const sender = sdk(endpoint);
  const receiver = sdk(endpoint);
  await sender.createQueue('bench-latency');
  const samples: number[] = [];
  for (let i = 0; i < WAKE_WARMUP_ROUNDS + rounds; i++) {
    const got = receiver.receiveMessage('bench-latency', 5);
    // Give the receive time to reach the server and park (the server is another process).
    await new Promise((r) => setTimeout(r, 2));
    const t0 = performance.now();
    void sender.sendMessage('bench-latency', { MessageBody: `ping ${i}` });
    const msg = await got;
    samples.push(performance.now() - t0);
    await receiver.deleteMessage('bench-latency', msg.body.ReceiptHandle!);
  }
  return { cold: samples.slice(0, 250), warm: samples.slice(WAKE_WARMUP_ROUNDS) };
}

/** Messages/s for send + receive + delete, one message per call, `consumers` consumers. */
async function throughput(
  endpoint: string,
  opts: { consumers: number; messages: number; batch: number; queue: string; pid?: number },
): Promise<{ rate: number; serverCpuUs: number; clientCpuUs: number }> {
  const admin = sdk(endpoint);
  await admin.createQueue(opts.queue);
  const { consumers, messages, batch, queue } = opts;
  const producers = consumers;
  let deleted = 0;
  const server0 = processCpuMs(opts.pid);
  const client0 = process.cpuUsage();
  const started = performance.now();
  const produce = async (p: number) => {
    const c = sdk(endpoint);
    for (let i = p * batch; i < messages; i += producers * batch) {
      if (batch === 1) await c.sendMessage(queue, { MessageBody: `job ${i}` });
      else {
        const n = Math.min(batch, messages - i);
        await c.batchSendMessage(
          queue,
          Array.from({ length: n }, (_, k) => ({ MessageBody: `job ${i + k}` })),
        );
      }
    }
  };
  const consume = async () => {
    const c = sdk(endpoint);
    while (deleted < messages) {
      try {
        if (batch === 1) {
          const m = await c.receiveMessage(queue, 1);
          await c.deleteMessage(queue, m.body.ReceiptHandle!);
          deleted++;
        } else {
          const got = await c.batchReceiveMessage(queue, batch, 1);
          await c.batchDeleteMessage(
            queue,
            got.body.map((m) => m.ReceiptHandle!),
          );
          deleted += got.body.length;
        }
      } catch (err) {
        if ((err as Error).name !== 'MNSMessageNotExistError') throw err;
      }
    }
  };
  await Promise.all([
    ...Array.from({ length: producers }, (_, p) => produce(p)),
    ...Array.from({ length: consumers }, consume),
  ]);
  const seconds = (performance.now() - started) / 1000;
  const client = process.cpuUsage(client0);
  return {
    rate: messages / seconds,
    serverCpuUs: ((processCpuMs(opts.pid) - server0) * 1000) / messages,
    clientCpuUs: (client.user + client.system) / messages,
  };
}

/**
 * A client that costs almost nothing: signs each request itself (node:http,
 * keep-alive) and reads the XML with a regular expression. Figures taken with
 * it are about the server: its CPU per message and its share of the latency,
 * with the SDK's ~0.5 ms per message of client CPU out of the way.
 */
function rawClient(endpoint: string) {
  const { hostname, port } = new URL(endpoint);
  const agent = new Agent({ keepAlive: true });
  const call = (method: string, resource: string, body?: string) => {
    const headers = signMnsHeaders({
      ...LOCAL_KEY,
      method,
      resource,
      ...(body !== undefined ? { body } : {}),
    });
    return new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = request({ hostname, port, method, path: resource, headers, agent }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          text += d;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      });
      req.on('error', reject);
      req.end(body);
    });
  };
  return { call, close: () => agent.destroy() };
}

const handleIn = (xml: string) => /<ReceiptHandle>([^<]+)</.exec(xml)?.[1] ?? '';

/** Raw-client wake latency and 8+8 send+receive+delete: the server's own figures. */
async function rawFigures(
  endpoint: string,
  pid: number | undefined,
): Promise<{ p50: number; serverCpuUs: number; rate: number }> {
  const { call, close } = rawClient(endpoint);
  try {
    await call('PUT', '/queues/bench-raw', '<Queue></Queue>');
    const samples: number[] = [];
    for (let i = 0; i < 400; i++) {
      const got = call('GET', '/queues/bench-raw/messages?waitseconds=5');
      await new Promise((r) => setTimeout(r, 2));
      const t0 = performance.now();
      void call(
        'POST',
        '/queues/bench-raw/messages',
        `<Message><MessageBody>ping ${i}</MessageBody></Message>`,
      );
      const m = await got;
      if (i >= 100) samples.push(performance.now() - t0);
      await call('DELETE', `/queues/bench-raw/messages?ReceiptHandle=${handleIn(m.text)}`);
    }
    const messages = 6000;
    let deleted = 0;
    const cpu0 = processCpuMs(pid);
    const started = performance.now();
    await Promise.all([
      ...Array.from({ length: 8 }, async (_, p) => {
        for (let i = p; i < messages; i += 8) {
          const r = await call(
            'POST',
            '/queues/bench-raw/messages',
            `<Message><MessageBody>job ${i}</MessageBody></Message>`,
          );
          if (r.status !== 201) throw new Error(`raw send failed: ${r.status} ${r.text}`);
        }
      }),
      ...Array.from({ length: 8 }, async () => {
        while (deleted < messages) {
          const m = await call('GET', '/queues/bench-raw/messages?waitseconds=1');
          if (m.status !== 200) continue;
          const d = await call(
            'DELETE',
            `/queues/bench-raw/messages?ReceiptHandle=${handleIn(m.text)}`,
          );
          if (d.status !== 204) throw new Error(`raw delete failed: ${d.status} ${d.text}`);
          deleted++;
        }
      }),
    ]);
    return {
      p50: percentile(samples, 50),
      serverCpuUs: ((processCpuMs(pid) - cpu0) * 1000) / messages,
      rate: messages / ((performance.now() - started) / 1000),
    };
  } finally {
    close();
  }
}

/**
 * What the CPU allows, one message per call. The bench is one Node process
 * (one core at most), so the unmodified SDK's own CPU per message caps the rate
 * whatever the server does; the server is one process too; and both share this
 * machine's cores. A target above the client-bound ceiling is a client-side target.
 */
function reportCeilings(
  report: Parameters<BenchSection['run']>[0],
  log: Parameters<BenchSection['run']>[1],
  r: { rate: number; serverCpuUs: number; clientCpuUs: number },
): void {
  const cores = cpus().length;
  const client = 1e6 / r.clientCpuUs;
  const server = 1e6 / r.serverCpuUs;
  const machine = (cores * 1e6) / (r.clientCpuUs + r.serverCpuUs);
  report({
    name: '  client-bound ceiling (one SDK process, its CPU/msg)',
    value: client,
    unit: 'msg/s',
    compare: { label: 'target', value: 3000, better: 'higher' },
  });
  report({
    name: '  server-bound ceiling (one process, its CPU/msg)',
    value: server,
    unit: 'msg/s',
  });
  report({
    name: `  ${cores}-core ceiling (SDK + server CPU per message)`,
    value: machine,
    unit: 'msg/s',
  });
  const bound = Math.min(client, server, machine);
  log(
    `(8 consumers reached ${Math.round((100 * r.rate) / bound)}% of the lowest ceiling; even a server ` +
      `costing nothing leaves ${Math.round(client)} msg/s for one SDK process and ` +
      `${Math.round((cores * 1e6) / r.clientCpuUs)} msg/s for SDK processes on all ${cores} cores)`,
  );
}

export const queueBench: BenchSection = {
  name: 'queue',
  description: 'local MNS service (separate process, durable store) via the @alicloud/mns SDK',
  async run(report, log) {
    execFileSync(process.execPath, ['scripts/build.mjs', '--if-needed', '--quiet'], { cwd: root });
    const dataDir = mkdtempSync(join(tmpdir(), 'queueflow-bench-queue-'));
    const server = await spawnLocal({ dataDir, logLevel: 'warn' });
    log(`server ${server.endpoint}, store ${dataDir} (WAL, synchronous=NORMAL)`);
    log(
      `load average before the run: ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')} (2 cores)`,
    );
    try {
      const { cold, warm: samples } = await wakeLatency(server.endpoint, 1000);
      log(
        `wake latency: ${samples.length} rounds measured after ${WAKE_WARMUP_ROUNDS} warm-up rounds (the JIT's); the first 250 shown as "cold"`,
      );
      report({
        name: 'send->receive latency p50 (long-poll waiting)',
        value: percentile(samples, 50),
        unit: 'ms',
        compare: { label: 'target', value: 1, better: 'lower' },
      });
      report({
        name: 'send->receive latency p50 vs fastest SQS emulator',
        value: percentile(samples, 50),
        unit: 'ms',
        compare: { label: 'peer', value: 1.8, better: 'lower' },
      });
      report({ name: 'send->receive latency p99', value: percentile(samples, 99), unit: 'ms' });
      report({
        name: '  cold: p50 of the first 250 rounds after start',
        value: percentile(cold, 50),
        unit: 'ms',
        compare: { label: 'target', value: 1, better: 'lower' },
      });
      const wakeFloor = await bareWakeFloor(500);
      report({
        name: '  machine floor: bare node:http wake-up p50 (no queue at all)',
        value: percentile(wakeFloor, 50),
        unit: 'ms',
      });
      for (const consumers of [1, 8]) {
        const r = await throughput(server.endpoint, {
          consumers,
          messages: consumers === 1 ? 3000 : 8000,
          batch: 1,
          queue: `bench-tp-${consumers}`,
          ...(server.child.pid !== undefined ? { pid: server.child.pid } : {}),
        });
        const label = `${consumers} consumer${consumers > 1 ? 's' : ''}`;
        report({
          name: `send+receive+delete msg/s, ${label}`,
          value: r.rate,
          unit: 'msg/s',
          ...(consumers === 8
            ? { compare: { label: 'target', value: 3000, better: 'higher' as const } }
            : {}),
        });
        report({
          name: `  server CPU per message (3 requests), ${label}`,
          value: r.serverCpuUs,
          unit: 'us',
        });
        report({
          name: `  SDK-side CPU per message (3 requests), ${label}`,
          value: r.clientCpuUs,
          unit: 'us',
        });
        if (consumers === 8) reportCeilings(report, log, r);
      }
      const batched = await throughput(server.endpoint, {
        consumers: 8,
        messages: 40_000,
        batch: 16,
        queue: 'bench-tp-batch',
        ...(server.child.pid !== undefined ? { pid: server.child.pid } : {}),
      });
      report({
        name: 'send+receive+delete msg/s, 8 consumers, batches of 16',
        value: batched.rate,
        unit: 'msg/s',
        compare: { label: 'target', value: 3000, better: 'higher' },
      });
      report({
        name: '  server CPU per message, batches of 16',
        value: batched.serverCpuUs,
        unit: 'us',
      });
      const raw = await rawFigures(server.endpoint, server.child.pid);
      report({
        name: 'raw signed client: send->receive latency p50',
        value: raw.p50,
        unit: 'ms',
        compare: { label: 'target', value: 1, better: 'lower' },
      });
      report({
        name: 'raw signed client: server CPU per message, 8+8 clients',
        value: raw.serverCpuUs,
        unit: 'us',
      });
      report({
        name: 'raw signed client: send+receive+delete msg/s',
        value: raw.rate,
        unit: 'msg/s',
      });
      const floor = await bareHttpRoundTrips();
      report({
        name: 'machine floor: bare node:http round trips/s, 8 clients',
        value: floor,
        unit: 'req/s',
      });
      report({
        name: '  so, one message per call (3 round trips), at most',
        value: floor / 3,
        unit: 'msg/s',
      });
      log(
        '(a message is 3 round trips: even with a free server and a free client, one message per call cannot pass the figure above)',
      );
      log(
        `load average after the run: ${loadavg()
          .map((l) => l.toFixed(1))
          .join(' ')} (2 cores)`,
      );
    } finally {
      server.child.kill('SIGTERM');
      await new Promise((r) => server.child.once('exit', r));
      rmSync(dataDir, { recursive: true, force: true });
    }
  },
};
