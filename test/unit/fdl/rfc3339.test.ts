import { describe, expect, it } from 'vitest';
import { parseRfc3339 } from '../../../shared/fdl/validate-data';

describe('parseRfc3339', () => {
  it('reads a date-time with its zone', () => {
    expect(parseRfc3339('2026-11-29T12:00:00Z')).toBe(Date.UTC(2026, 10, 29, 12));
    expect(parseRfc3339('2026-11-29t20:00:00.5+08:00')).toBe(Date.UTC(2026, 10, 29, 12, 0, 0, 500));
    expect(parseRfc3339('2028-02-29T00:00:00Z')).toBe(Date.UTC(2028, 1, 29));
    expect(parseRfc3339('2000-02-29T00:00:00Z')).toBe(Date.UTC(2000, 1, 29));
    expect(parseRfc3339('2026-12-31T23:59:59-23:59')).toBe(Date.parse('2026-12-31T23:59:59-23:59'));
  });

  it('refuses what RFC 3339 rules out instead of rolling it over', () => {
    for (const bad of [
      '2026-02-29T12:00:00Z', // not a leap year
      '1900-02-29T12:00:00Z', // a century that is not one either
      '2026-04-31T00:00:00Z',
      '2026-02-30T00:00:00Z',
      '2026-13-01T00:00:00Z',
      '2026-00-10T00:00:00Z',
      '2026-01-00T00:00:00Z',
      '2026-02-28T24:00:00Z',
      '2026-02-28T12:60:00Z',
      '2026-02-28T12:00:60Z', // a leap second: when it falls is not known here
      '2026-02-28T12:00:00+24:00',
      '2026-02-28T12:00:00+08:60',
      '2026-02-28T12:00:00', // no zone
      '2026-02-28 12:00:00Z',
      '2026',
    ]) {
      expect(parseRfc3339(bad), bad).toBeNaN();
    }
  });
});
