// The page shell and the client bundle. The client (TypeScript plus elkjs and yaml) is
// bundled by esbuild from the sources on the first request for it and kept in memory, so
// the page needs nothing from the network and nothing pre-built in the repository, and a
// stack that nobody opens the console of (every test stack) never pays for the bundle.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CONSOLE_CSS } from './styles';

/** The client bundle, ready to serve. */
export interface ClientBundle {
  code: string;
  etag: string;
}

const ENTRY = join('local', 'console', 'client', 'main.ts');

/**
 * Finds the client entry by walking up from this module: from local/console/ when run
 * from source (tests, tsx) and from dist/cli/ when run from the built CLI.
 */
export function findClientEntry(
  start = dirname(fileURLToPath(import.meta.url)),
): string | undefined {
  let dir = start;
  for (let i = 0; i < 8; i++) {
    const candidate = join(dir, ENTRY);
    if (existsSync(candidate)) return candidate;
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return undefined;
}

// One bundle per process, shared by every stack it starts (tests start many).
let shared: (() => Promise<ClientBundle>) | undefined;

/**
 * The process-wide client bundler. The built CLI (dist/cli/) serves the bundle
 * `npm run build` wrote to dist/console/app.js, so a stack run from the build
 * needs no esbuild; from source (tests, tsx) it bundles on first use, then
 * serves from memory.
 */
export function sharedClientBundler(): () => Promise<ClientBundle> {
  shared ??= readPrebuiltClient() ?? createClientBundler();
  return shared;
}

/** The prebuilt bundle beside the built CLI, or undefined when running from source. */
export function readPrebuiltClient(
  here = dirname(fileURLToPath(import.meta.url)),
): (() => Promise<ClientBundle>) | undefined {
  if (!/[\\/]dist[\\/]cli$/.test(here)) return undefined;
  const file = join(here, '..', 'console', 'app.js');
  if (!existsSync(file)) return undefined;
  const code = readFileSync(file, 'utf8');
  const bundle = Promise.resolve({
    code,
    etag: `"app-${createHash('sha1').update(code).digest('hex').slice(0, 16)}"`,
  });
  return () => bundle;
}

/** Bundles the client once per bundler. */
export function createClientBundler(options: { entry?: string } = {}): () => Promise<ClientBundle> {
  let pending: Promise<ClientBundle> | undefined;
  return () => {
    pending ??= (async () => {
      const entry = options.entry ?? findClientEntry();
      if (!entry) throw new Error(`console client source not found (${ENTRY})`);
      // esbuild is a dev dependency: import it only when the console is used.
      const { build } = await import('esbuild');
      const result = await build({
        entryPoints: [entry],
        bundle: true,
        write: false,
        format: 'iife',
        platform: 'browser',
        target: 'es2020',
        minify: true,
        legalComments: 'none',
        logLevel: 'silent',
      });
      const out = result.outputFiles[0];
      if (!out) throw new Error('esbuild produced no console bundle');
      return { code: out.text, etag: `"${out.hash}"` };
    })();
    pending.catch(() => {
      pending = undefined;
    });
    return pending;
  };
}

let elkWorker: ClientBundle | undefined;

/** elkjs's Web Worker script, read once from node_modules (a runtime dependency). */
export function readElkWorker(): ClientBundle {
  if (!elkWorker) {
    const file = createRequire(import.meta.url).resolve('elkjs/lib/elk-worker.min.js');
    const code = readFileSync(file, 'utf8');
    elkWorker = { code, etag: `"elk-${code.length.toString(36)}"` };
  }
  return elkWorker;
}

/** The HTML page every console route answers with. */
export function renderShell(): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>queueflow console</title>
<style>${CONSOLE_CSS}</style>
</head>
<body>
<header><span class="brand">queueflow · local console</span>
<nav><a href="#/flows" data-page="flows">Flows</a><a href="#/queues" data-page="queues">Queues</a></nav></header>
<main id="app"><noscript>The console needs JavaScript.</noscript></main>
<script src="/console/app.js"></script>
</body>
</html>
`;
}
