#!/usr/bin/env node
// The CLI is bundled by `npm run build` (esbuild) into dist/cli/queueflow.mjs.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const cli = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'cli', 'queueflow.mjs');
if (!existsSync(cli)) {
  process.stderr.write('queueflow: the CLI is not built yet; run `npm run build` first.\n');
  process.exit(1);
}
await import(cli);
