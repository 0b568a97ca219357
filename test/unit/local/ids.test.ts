import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { newFcRequestId } from '../../../local/fc/request-id';
import { newRequestId, randomHex } from '../../../local/ids';

describe('random ids drawn from a pool', () => {
  it('gives hex of the asked length, never the same twice, across many refills of the pool', () => {
    const seen = new Set<string>();
    // 10,000 x 10 bytes: about 25 refills of the 4 KB pool, with a draw straddling each end.
    for (let i = 0; i < 10_000; i++) {
      const t = randomHex(10);
      expect(t).toMatch(/^[0-9a-f]{20}$/);
      seen.add(t);
    }
    expect(seen.size).toBe(10_000);
    // Draws do not share bytes: the last byte of one and the first of the next
    // match by chance only (1 in 256), not every time.
    const draws = Array.from({ length: 2000 }, () => randomHex(10));
    const touching = draws.filter((d, i) => i > 0 && draws[i - 1]?.slice(-2) === d.slice(0, 2));
    expect(touching.length).toBeLessThan(50);
    expect(randomHex(4096)).toMatch(/^[0-9a-f]{8192}$/);
    expect(randomHex(5000)).toHaveLength(10_000);
  });

  it('keeps the cloud shapes of request ids', () => {
    expect(newRequestId()).toMatch(/^[0-9A-F]{24}$/);
    expect(newFcRequestId(Date.UTC(2023, 8, 5, 6, 41, 11))).toMatch(
      /^1-64f6cd87-[0-9a-f]{8}-[0-9a-f]{12}$/,
    );
  });

  it('differs from one process to the next (the pool is not seeded the same way)', () => {
    const root = fileURLToPath(new URL('../../..', import.meta.url));
    const draw = () =>
      execFileSync(
        process.execPath,
        [
          '--import',
          'tsx',
          '-e',
          "import('./local/ids.ts').then((m) => console.log(m.randomHex(16)))",
        ],
        { cwd: root, encoding: 'utf8' },
      ).trim();
    const [a, b] = [draw(), draw()];
    expect(a).toMatch(/^[0-9a-f]{32}$/);
    expect(b).toMatch(/^[0-9a-f]{32}$/);
    expect(a).not.toBe(b);
    expect(randomHex(16)).not.toBe(a);
  });
});
