// Bundles the project with esbuild:
//   functions/<name>/index.ts -> dist/<name>/index.js   (CJS, node20, minified, source maps: what FC runs)
//   local/cli/index.ts        -> dist/cli/queueflow.mjs (ESM, dependencies left external)
// `--if-needed` skips the build when dist/ is newer than every source file.
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const stamp = join(dist, '.build-stamp');
const args = new Set(process.argv.slice(2));
const quiet = args.has('--quiet');

function newestMtime(path) {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const entry of readdirSync(path)) {
    if (entry === 'node_modules') continue;
    newest = Math.max(newest, newestMtime(join(path, entry)));
  }
  return newest;
}

const sources = [
  'functions',
  'shared',
  'local',
  'package.json',
  'package-lock.json',
  's.yaml',
  'scripts/build.mjs',
];
if (args.has('--if-needed') && existsSync(stamp)) {
  const srcTime = Math.max(...sources.map((s) => newestMtime(join(root, s))));
  if (statSync(stamp).mtimeMs >= srcTime) {
    if (!quiet) process.stdout.write('build: dist/ is up to date\n');
    process.exit(0);
  }
}

// The CLI bundle is ESM with its dependencies left external, and Node's ESM
// resolver wants the extension on a deep import of a CommonJS package
// (`@alicloud/pop-core/lib/rpc` fails, `.../rpc.js` works). Add it.
const deepImportExtensions = {
  name: 'deep-import-extensions',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.kind !== 'import-statement' && args.kind !== 'dynamic-import') return undefined;
      if (/\.[cm]?js$|\.json$/.test(args.path) || args.path.startsWith('node:')) return undefined;
      const parts = args.path.split('/');
      const rootParts = args.path.startsWith('@') ? 2 : 1;
      if (parts.length <= rootParts) return undefined;
      const pkgRoot = parts.slice(0, rootParts).join('/');
      if (!needsExtension(pkgRoot)) return undefined;
      return { path: `${args.path}.js`, external: true };
    });
  },
};
// Per package, read once: packages with an "exports" map resolve their own subpaths.
const needsExtensionCache = new Map();
function needsExtension(pkgRoot) {
  let needs = needsExtensionCache.get(pkgRoot);
  if (needs === undefined) {
    const pkgJson = join(root, 'node_modules', pkgRoot, 'package.json');
    needs = existsSync(pkgJson) && !JSON.parse(readFileSync(pkgJson, 'utf8')).exports;
    needsExtensionCache.set(pkgRoot, needs);
  }
  return needs;
}

const started = performance.now();
const functionsDir = join(root, 'functions');
const functionNames = existsSync(functionsDir)
  ? readdirSync(functionsDir).filter((n) => existsSync(join(functionsDir, n, 'index.ts')))
  : [];

const jobs = functionNames.map(async (name) => {
  const outfile = join(dist, name, 'index.js');
  const result = await build({
    entryPoints: [join(functionsDir, name, 'index.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    minify: true,
    // Class names survive minifying: a handler's `class TableLocked extends
    // Error {}` is reported as TableLocked, which FDL retry/catch match on.
    keepNames: true,
    sourcemap: true,
    metafile: true,
    legalComments: 'none',
    logLevel: 'warning',
  });
  // The repo is "type": "module"; the bundle is CommonJS, as FC's index.handler expects.
  writeFileSync(join(dist, name, 'package.json'), '{ "type": "commonjs" }\n');
  const bytes = result.metafile.outputs[relative(root, outfile)]?.bytes ?? statSync(outfile).size;
  // Gzipped size is close to what FC stores and loads from the code package.
  const gzipBytes = gzipSync(readFileSync(outfile)).length;
  return { name, outfile, bytes, gzipBytes, function: true };
});

jobs.push(
  (async () => {
    const outfile = join(dist, 'cli', 'queueflow.mjs');
    await build({
      entryPoints: [join(root, 'local', 'cli', 'index.ts')],
      outfile,
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'esm',
      packages: 'external',
      plugins: [deepImportExtensions],
      sourcemap: true,
      logLevel: 'warning',
      banner: {
        js: "import { createRequire as __qfCreateRequire } from 'node:module'; const require = __qfCreateRequire(import.meta.url);",
      },
    });
    return { name: 'cli', outfile, bytes: statSync(outfile).size };
  })(),
);

jobs.push(
  (async () => {
    // The console's browser client, so the built CLI serves it without esbuild at run time.
    const outfile = join(dist, 'console', 'app.js');
    await build({
      entryPoints: [join(root, 'local', 'console', 'client', 'main.ts')],
      outfile,
      bundle: true,
      format: 'iife',
      platform: 'browser',
      target: 'es2020',
      minify: true,
      legalComments: 'none',
      logLevel: 'warning',
    });
    return { name: 'console', outfile, bytes: statSync(outfile).size };
  })(),
);

const outputs = await Promise.all(jobs);
mkdirSync(dist, { recursive: true });
// The bundle size report (bench/functions.ts reads it beside its own measurements).
writeFileSync(
  join(dist, 'bundle-report.json'),
  `${JSON.stringify(
    outputs
      .filter((o) => o.function)
      .map((o) => ({
        name: o.name,
        file: relative(root, o.outfile),
        bytes: o.bytes,
        gzipBytes: o.gzipBytes,
      })),
    null,
    2,
  )}\n`,
);
writeFileSync(stamp, new Date().toISOString());
if (!quiet) {
  for (const o of outputs) {
    process.stdout.write(
      `built ${relative(root, o.outfile).padEnd(32)} ${(o.bytes / 1024).toFixed(1).padStart(8)} KiB${o.gzipBytes ? ` (${(o.gzipBytes / 1024).toFixed(1)} KiB gzipped)` : ''}\n`,
    );
  }
  process.stdout.write(`build done in ${Math.round(performance.now() - started)} ms\n`);
}
