// `npm run bench [-- section...]`: runs the benchmark sections and prints every
// figure with its target or peer side by side, in one run.
import { e2eBench } from './e2e';
import { fdlBench } from './fdl';
import { flowBench } from './flow';
import { functionsBench } from './functions';
import { type BenchSection, type Figure, formatFigure } from './harness';
import { queueBench } from './queue';

const sections: BenchSection[] = [queueBench, flowBench, functionsBench, e2eBench, fdlBench];

async function main(): Promise<void> {
  const only = new Set(process.argv.slice(2).filter((a) => !a.startsWith('-')));
  if (process.argv.includes('--help')) {
    process.stdout.write(
      `usage: npm run bench [-- section...]\nsections: ${sections.map((s) => `${s.name} (${s.description})`).join(', ')}\n` +
        'Latency and throughput figures are taken after a warm-up, with the cold figure beside them (docs/bench.md).\n',
    );
    return;
  }
  const unknown = [...only].filter((name) => !sections.some((s) => s.name === name));
  if (unknown.length > 0) {
    process.stderr.write(
      `npm run bench: no section named ${unknown.join(', ')}; the sections are ${sections.map((s) => s.name).join(', ')}\n`,
    );
    process.exitCode = 2;
    return;
  }
  const chosen = sections.filter((s) => only.size === 0 || only.has(s.name));
  const results: Array<[string, Figure]> = [];
  for (const section of chosen) {
    process.stderr.write(`\n== ${section.name}: ${section.description}\n`);
    await section.run(
      (f) => {
        results.push([section.name, f]);
        process.stderr.write(`   ${formatFigure(section.name, f)}\n`);
      },
      (line) => process.stderr.write(`   ${line}\n`),
    );
  }
  process.stdout.write('\nqueueflow benchmarks (this machine, one run)\n');
  for (const [name, f] of results) process.stdout.write(`${formatFigure(name, f)}\n`);
}

await main();
