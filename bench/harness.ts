import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';

/** One figure a benchmark reports. */
export interface Figure {
  /** What was measured, e.g. `send->receive latency p50`. */
  name: string;
  value: number;
  unit: string;
  /** A target or a peer's figure on this machine, for the side-by-side ratio. */
  compare?: { label: string; value: number; better: 'lower' | 'higher' };
}

/** A benchmark section (queue, flow, fdl, functions, ...). */
export interface BenchSection {
  name: string;
  description: string;
  run(report: (figure: Figure) => void, log: (line: string) => void): Promise<void>;
}

/** Percentile (0-100) of `values` by nearest rank. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

/** Formats a figure with its comparison as one table row. */
export function formatFigure(section: string, f: Figure): string {
  const value = `${formatNumber(f.value)} ${f.unit}`;
  let compare = '';
  if (f.compare) {
    const ratio =
      f.compare.better === 'lower' ? f.compare.value / f.value : f.value / f.compare.value;
    const verdict = ratio >= 1 ? 'meets' : 'misses';
    compare = `vs ${f.compare.label} ${formatNumber(f.compare.value)} ${f.unit}: ${ratio.toFixed(2)}x (${verdict})`;
  }
  return `${section.padEnd(10)} ${f.name.padEnd(52)} ${value.padStart(16)}   ${compare}`;
}

function formatNumber(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (Math.abs(n) >= 100) return Math.round(n).toLocaleString('en-US');
  if (Math.abs(n) >= 10) return n.toFixed(1);
  return n.toFixed(2);
}

/** CPU time (ms) a process has used so far, from /proc (Linux; NaN elsewhere). */
export function processCpuMs(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10; // utime + stime, 100 ticks/s
  } catch {
    return Number.NaN;
  }
}

// The machine's own floor, which the queue and flow sections print beside their figures.

/** A plain node:http request that resolves once its answer is read. */
export type BareCall = (method: string, agent: Agent, body?: string) => Promise<void>;

/**
 * Runs a trivial node:http server in another process (`setup` declares its
 * state, `handler` is its `(q, s) => ...` request handler, called once the
 * request body has been read) and hands `fn` a plain client for it.
 */
export async function withBareServer<T>(
  setup: string,
  handler: string,
  fn: (call: BareCall) => Promise<T>,
): Promise<T> {
  const server = spawn(
    process.execPath,
    [
      '-e',
      `${setup}
       require('node:http').createServer((q, s) => { q.resume(); q.on('end', () => (${handler})(q, s)); })
         .listen(0, '127.0.0.1', function () { console.log(this.address().port); });`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  try {
    const port = await new Promise<number>((resolve) =>
      server.stdout!.once('data', (d) => resolve(Number(String(d).trim()))),
    );
    const call: BareCall = (method, agent, body) =>
      new Promise<void>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, method, path: '/q', agent }, (res) => {
          res.resume();
          res.on('end', resolve);
        });
        req.on('error', reject);
        req.end(body);
      });
    return await fn(call);
  } finally {
    server.kill();
  }
}

/**
 * The machine's floor right now: plain node:http round trips (8 concurrent,
 * keep-alive, tiny XML answer) to a trivial server in another process. A
 * message costs three round trips, so a third of this bounds any HTTP queue here.
 */
export function bareHttpRoundTrips(): Promise<number> {
  return withBareServer(
    '',
    `(q, s) => { s.writeHead(200, { 'content-type': 'text/xml' }); s.end('<Message><MessageId>x</MessageId></Message>'); }`,
    async (call) => {
      const agent = new Agent({ keepAlive: true });
      const n = 4000;
      const started = performance.now();
      await Promise.all(
        Array.from({ length: 8 }, async (_, k) => {
          for (let i = k; i < n; i += 8) {
            await call('POST', agent, '<Message><MessageBody>hello</MessageBody></Message>');
          }
        }),
      );
      agent.destroy();
      return n / ((performance.now() - started) / 1000);
    },
  );
}
