import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readPrebuiltClient } from '../../../local/console/assets';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('readPrebuiltClient', () => {
  it('serves dist/console/app.js when running from the built CLI', async () => {
    const root = mkdtempSync(join(tmpdir(), 'qf-console-'));
    dirs.push(root);
    mkdirSync(join(root, 'dist', 'cli'), { recursive: true });
    mkdirSync(join(root, 'dist', 'console'), { recursive: true });
    writeFileSync(join(root, 'dist', 'console', 'app.js'), 'console.log("built")');
    const bundler = readPrebuiltClient(join(root, 'dist', 'cli'));
    expect(bundler).toBeDefined();
    const bundle = await bundler!();
    expect(bundle.code).toBe('console.log("built")');
    expect(bundle.etag).toMatch(/^"app-[0-9a-f]{16}"$/);
  });

  it('bundles from source instead when not running from dist/cli or when no bundle was built', () => {
    const root = mkdtempSync(join(tmpdir(), 'qf-console-'));
    dirs.push(root);
    mkdirSync(join(root, 'dist', 'cli'), { recursive: true });
    expect(readPrebuiltClient(join(root, 'dist', 'cli'))).toBeUndefined();
    expect(readPrebuiltClient(join(root, 'local', 'console'))).toBeUndefined();
  });
});
