import { describe, expect, it } from 'vitest';
import { formatDuration } from '../../../local/console/client/dom';

describe('formatDuration', () => {
  it('rounds before it splits, so a unit never shows its own limit', () => {
    expect(formatDuration(850)).toBe('850 ms');
    expect(formatDuration(999.6)).toBe('1.0 s');
    expect(formatDuration(3_240)).toBe('3.2 s');
    expect(formatDuration(59_960)).toBe('1 min 0 s');
    expect(formatDuration(119_600)).toBe('2 min 0 s');
    expect(formatDuration(245_000)).toBe('4 min 5 s');
    expect(formatDuration(7_200_000)).toBe('2 h 0 min');
    expect(formatDuration(Number.NaN)).toBe('—');
  });
});
