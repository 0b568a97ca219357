import { readFileSync } from 'node:fs';

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
