import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseCount, parsePort, parseRetainDays } from '../../../local/cli/options';
import { silentLogger } from '../../../local/log';
import { startLocalStack } from '../../../local/stack';

const root = fileURLToPath(new URL('../../..', import.meta.url));

describe('CLI options', () => {
  it('takes a port as digits only', () => {
    expect(parsePort('0')).toBe(0);
    expect(parsePort('9300')).toBe(9300);
    // Number('') is 0 (a random port) and Number('0x10') is 16: both were accepted.
    for (const bad of ['', ' ', '0x10', '1e3', '-1', '70000', 'abc']) {
      expect(() => parsePort(bad), JSON.stringify(bad)).toThrow(/is not a port number/);
    }
  });

  it('takes --retain-days as a number of days above 0, fractions too', () => {
    expect(parseRetainDays('30')).toBe(30);
    expect(parseRetainDays('0.5')).toBe(0.5);
    for (const bad of ['', '0', '0.0', '-1', '1e3', 'abc', '7d']) {
      expect(() => parseRetainDays(bad), JSON.stringify(bad)).toThrow(
        /not a number of days above 0/,
      );
    }
    const run = spawnSync(
      process.execPath,
      ['bin/queueflow.js', 'local', '--port', '0', '--memory', '--retain-days', '0'],
      { cwd: root, encoding: 'utf8', timeout: 30_000 },
    );
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/--retain-days.*"0" is not a number of days above 0/);
  });

  it('refuses an unknown --log-level instead of logging everything', () => {
    const run = spawnSync(
      process.execPath,
      ['bin/queueflow.js', 'local', '--port', '0', '--memory', '--log-level', 'loud'],
      { cwd: root, encoding: 'utf8', timeout: 30_000 },
    );
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(
      /argument 'loud' is invalid\. Allowed choices are debug, info, warn, error, silent/,
    );
  });

  it('refuses a worker batch size over the MNS limit instead of cutting it silently', () => {
    const run = spawnSync(
      process.execPath,
      ['bin/queueflow.js', 'worker', '--queue', 'q', '--handlers', 'x.js', '--batch-size', '99'],
      { cwd: root, encoding: 'utf8', timeout: 30_000 },
    );
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('"99" is more than 16, the MNS batch limit');
  });

  it("takes the worker's wait and visibility as the whole seconds MNS takes", () => {
    const bad: Array<[string, string, RegExp]> = [
      ['--visibility-timeout', '1.5', /"1.5" is not a whole number of seconds from 1 to 43200/],
      ['--visibility-timeout', '0', /"0" is not a whole number of seconds from 1 to 43200/],
      ['--wait-seconds', '0.5', /"0.5" is not a whole number of seconds from 0 to 30/],
    ];
    for (const [flag, value, message] of bad) {
      const run = spawnSync(
        process.execPath,
        ['bin/queueflow.js', 'worker', '--queue', 'q', '--handlers', 'x.js', flag, value],
        { cwd: root, encoding: 'utf8', timeout: 30_000 },
      );
      expect(run.status, `${flag} ${value}`).toBe(1);
      expect(run.stderr).toMatch(message);
    }
  });

  it('refuses a negative --max-deliveries as not 0 or a positive number, since 0 is allowed', () => {
    const run = spawnSync(
      process.execPath,
      [
        'bin/queueflow.js',
        'worker',
        '--queue',
        'q',
        '--handlers',
        'x.js',
        '--max-deliveries',
        '-1',
      ],
      { cwd: root, encoding: 'utf8', timeout: 30_000 },
    );
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('"-1" is not 0 or a positive whole number');
    expect(parseCount('0')).toBe(0);
    expect(parseCount('10')).toBe(10);
    for (const bad of ['', '1.5', '-1', 'x', '1e3']) expect(() => parseCount(bad)).toThrow();
  });

  it('gives an IPv6 stack an endpoint a URL parser and the SDKs accept', async () => {
    const stack = await startLocalStack({
      port: 0,
      memory: true,
      host: '::1',
      logger: silentLogger,
    });
    try {
      expect(stack.endpoint).toBe(`http://[::1]:${stack.port}`);
      expect(new URL(stack.endpoint).hostname).toBe('[::1]');
    } finally {
      await stack.stop();
    }
  });
});
