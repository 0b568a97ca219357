// Cold init per function, as FC pays it on a new instance: load the BUILT bundle
// with require (measured inside the instance), then the first handler call, on
// a fresh child process each round. Bundle sizes come from the build report.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createSystemClock } from '../local/clock';
import { createSecretLookup, LOCAL_ACCOUNT_ID, LOCAL_REGION } from '../local/credentials';
import { createFunctionRuntime } from '../local/fc/runtime';
import { silentLogger } from '../local/log';
import type { ProjectFunction } from '../local/project/model';
import { openStore } from '../local/store/store';
import { type BenchSection, percentile } from './harness';

const root = fileURLToPath(new URL('..', import.meta.url));
const ROUNDS = 7;

// A first event that exercises the handler without reaching the network.
const FIRST_EVENT: Record<string, string> = {
  'task-worker': '[]',
  'start-flow': '{"not":"a start request"',
};

async function coldStart(name: string): Promise<{ initMs: number; firstCallMs: number }> {
  const store = openStore({ memory: true });
  const runtime = createFunctionRuntime(
    {
      store,
      clock: createSystemClock(),
      logger: silentLogger,
      accountId: LOCAL_ACCOUNT_ID,
      region: LOCAL_REGION,
      secrets: createSecretLookup(),
      relaxLimits: false,
    },
    { maxInstances: 1 },
  );
  runtime.start?.({ endpoint: 'http://127.0.0.1:9' });
  const fn: ProjectFunction = {
    resource: name,
    name,
    runtime: 'nodejs20',
    codeDir: join(root, 'dist', name),
    handler: 'index.handler',
    timeoutSeconds: 30,
    memorySize: 512,
    environment: { FLOW_NAME: 'queueflow-demo' },
    triggers: [],
  };
  try {
    await runtime.deploy([fn]);
    const initMs = runtime.list()[0]?.initMs ?? Number.NaN;
    const outcome = await runtime.invoke(name, FIRST_EVENT[name] ?? '{}');
    return { initMs, firstCallMs: outcome.durationMs };
  } finally {
    await runtime.stop();
    store.close();
  }
}

export const functionsBench: BenchSection = {
  name: 'functions',
  description: 'cold init (require + first handler call) and bundle size per function',
  async run(report, log) {
    const reportFile = join(root, 'dist', 'bundle-report.json');
    if (!existsSync(reportFile)) {
      log('dist/bundle-report.json is missing: run `npm run build` first');
      return;
    }
    const bundles = JSON.parse(readFileSync(reportFile, 'utf8')) as Array<{
      name: string;
      bytes: number;
      gzipBytes: number;
    }>;
    for (const b of bundles) {
      const rounds: number[] = [];
      const requires: number[] = [];
      for (let i = 0; i < ROUNDS; i++) {
        const r = await coldStart(b.name);
        requires.push(r.initMs);
        rounds.push(r.initMs + r.firstCallMs);
      }
      log(`${b.name}: require ${requires.map((x) => x.toFixed(1)).join(', ')} ms`);
      report({
        name: `${b.name} cold init p50 (require + first call)`,
        value: percentile(rounds, 50),
        unit: 'ms',
        ...(b.name === 'task-worker'
          ? { compare: { label: 'target', value: 50, better: 'lower' as const } }
          : {}),
      });
      report({ name: `${b.name} bundle size`, value: b.bytes / 1024, unit: 'KiB' });
      report({ name: `${b.name} bundle size gzipped`, value: b.gzipBytes / 1024, unit: 'KiB' });
    }
  },
};
