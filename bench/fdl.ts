// FDL benchmark: parse + validate throughput for a generated 200-step flow (what the engine does
// on CreateFlow and what an editor integration of `queueflow validate` does on each change).
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseDocument } from 'yaml';
import {
  choice,
  emitFlow,
  evaluateCondition,
  type Flow,
  flow,
  foreach,
  parseCondition,
  parseFlow,
  pass,
  queueTask,
  type Step,
  sequence,
  validateFlow,
  wait,
} from '../shared/fdl';
import { type BenchSection, percentile } from './harness';

/** A 200-step flow mixing queue tasks, pass, wait, choice (with nested steps) and foreach. */
export function generateFlow(stepCount: number): Flow {
  const steps: Step[] = [];
  for (let i = 0; i < stepCount; i++) {
    const name = `step_${i}`;
    switch (i % 5) {
      case 0:
      case 1:
        steps.push(
          queueTask({
            name,
            queue: 'queueflow-tasks',
            priority: 1,
            timeoutSeconds: 300,
            input: { task_type: 'extract', source: '$input.source', rows: '$local.rows' },
            retry: [{ errors: ['FnF.TaskTimeout'], intervalSeconds: 2, maxAttempts: 3 }],
          }),
        );
        break;
      case 2:
        steps.push(pass({ name, outputMappings: { [`k${i}`]: i, status: 'ok' } }));
        break;
      case 3:
        steps.push(
          choice({
            name,
            choices: [
              {
                condition: '$.status == "ok" && ($.rows >= 4000 || $.total >= $.limit)',
                steps: sequence([pass({ name: 'inner', outputMappings: { seen: true } })]),
              },
            ],
            default: { steps: sequence([wait({ name: 'pause', duration: 1 })]) },
          }),
        );
        break;
      default:
        steps.push(
          foreach({
            name,
            iterationMapping: { collection: '$.files', item: 'file', index: 'i' },
            steps: sequence([pass({ name: 'each', outputMappings: { f: '$input.file' } })]),
            outputMappings: { names: '$local[*].f' },
          }),
        );
    }
  }
  return flow({ steps: steps as never });
}

function measure(durationMs: number, fn: () => void): number[] {
  const samples: number[] = [];
  for (let i = 0; i < 20; i++) fn();
  const end = performance.now() + durationMs;
  while (performance.now() < end) {
    const t0 = performance.now();
    fn();
    samples.push(performance.now() - t0);
  }
  return samples;
}

/** Times `a` and `b` in alternation, so both see the same JIT state, GC and load. */
function measurePair(durationMs: number, a: () => void, b: () => void): [number[], number[]] {
  const sa: number[] = [];
  const sb: number[] = [];
  for (let i = 0; i < 20; i++) {
    a();
    b();
  }
  const end = performance.now() + durationMs;
  while (performance.now() < end) {
    let t0 = performance.now();
    a();
    sa.push(performance.now() - t0);
    t0 = performance.now();
    b();
    sb.push(performance.now() - t0);
  }
  return [sa, sb];
}

/** The `fdl` section of `npm run bench`. */
export const fdlBench: BenchSection = {
  name: 'fdl',
  description: 'parse + validate of a generated 200-step FDL flow',
  async run(report, log) {
    const text = emitFlow(generateFlow(200));
    const check = parseFlow(text);
    if (!check.flow || check.problems.some((p) => p.severity === 'error')) {
      throw new Error(`generated flow does not parse: ${JSON.stringify(check.problems[0])}`);
    }
    log(
      `flow text: ${text.length.toLocaleString('en-US')} characters, ${text.split('\n').length} lines; load average ${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores`,
    );

    const [yamlOnly, parse] = measurePair(
      4_000,
      () => parseDocument(text),
      () => parseFlow(text),
    );
    const mean = parse.reduce((a, b) => a + b, 0) / parse.length;
    report({
      name: 'parse + validate 200 steps (ops/s)',
      value: 1000 / mean,
      unit: 'ops/s',
    });
    const yamlP50 = percentile(yamlOnly, 50);
    const parseP50 = percentile(parse, 50);
    report({ name: 'parse + validate 200 steps p50', value: parseP50, unit: 'ms' });
    report({ name: 'parse + validate 200 steps p99', value: percentile(parse, 99), unit: 'ms' });
    // The YAML library's own parse is the floor; the difference is what the FDL checks add.
    report({ name: 'YAML parse alone (yaml.parseDocument) p50', value: yamlP50, unit: 'ms' });
    report({
      name: 'FDL checks on top of the YAML parse (p50)',
      value: Math.max(0, ((parseP50 - yamlP50) / yamlP50) * 100),
      unit: '%',
    });
    const validate = measure(1_000, () => validateFlow(check.flow!));
    report({
      name: 'validateFlow on a typed flow p50',
      value: percentile(validate, 50),
      unit: 'ms',
    });
    const emit = measure(1_000, () => emitFlow(check.flow!));
    report({ name: 'emitFlow p50', value: percentile(emit, 50), unit: 'ms' });

    const cond = parseCondition('$.status == "ok" && ($.rows >= 4000 || $.total >= $.limit)');
    if (!cond.ok) throw new Error(cond.message);
    const input = { status: 'ok', rows: 10, total: 5, limit: 3 };
    const n = 200_000;
    const t0 = performance.now();
    let hits = 0;
    for (let i = 0; i < n; i++) if (evaluateCondition(cond.ast, input)) hits++;
    const elapsed = performance.now() - t0;
    if (hits !== n) throw new Error('condition evaluated wrongly');
    report({ name: 'choice condition evaluations', value: (n / elapsed) * 1000, unit: 'ops/s' });
  },
};
