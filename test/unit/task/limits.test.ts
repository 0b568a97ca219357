import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fitFailureReport, REPORT_LIMITS, truncate, wellFormed } from '../../../shared/task/limits';

describe('ReportTaskFailed limits', () => {
  it('keeps short values unchanged', () => {
    expect(fitFailureReport('SourceMissing', 'no such file')).toEqual({
      error: 'SourceMissing',
      cause: 'no such file',
    });
  });

  it('cuts the error to 128 characters and the cause to 4096, marking the cut', () => {
    const r = fitFailureReport('E'.repeat(300), 'c'.repeat(10_000));
    expect(Array.from(r.error)).toHaveLength(REPORT_LIMITS.errorMax);
    expect(r.error.endsWith('...')).toBe(true);
    expect(Array.from(r.cause ?? '')).toHaveLength(REPORT_LIMITS.causeMax);
  });

  it('never sends an empty error and drops an empty cause', () => {
    expect(fitFailureReport('  ', '')).toEqual({ error: 'Error' });
  });

  it('counts UTF-16 units, as the API does, and never splits a surrogate pair', () => {
    const cut = truncate('😀'.repeat(200), 128);
    expect(cut).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
    expect(cut.length).toBeLessThanOrEqual(128);
    expect(cut).toBe(`${'😀'.repeat(62)}...`);
    expect(truncate(`a${'😀'.repeat(200)}`, 128)).toBe(`a${'😀'.repeat(62)}...`);
  });

  it('replaces a lone surrogate (half an emoji) with U+FFFD and keeps whole pairs', () => {
    const smile = '\u{1F600}';
    const [high, low] = [smile.slice(0, 1), smile.slice(1)];
    expect(wellFormed(`a${high}b${low}c${smile}`)).toBe(`a\uFFFDb\uFFFDc${smile}`);
    expect(wellFormed(`${low}${high}`)).toBe('\uFFFD\uFFFD');
    expect(fitFailureReport(`E${high}`, `${low}`)).toEqual({ error: 'E\uFFFD', cause: '\uFFFD' });
    // What pop-core does to every parameter: it must not throw.
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        const { error, cause } = fitFailureReport(text, text);
        encodeURIComponent(error);
        encodeURIComponent(cause ?? '');
      }),
    );
  });

  it('always fits the limits, whatever the input', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', maxLength: 400 }),
        fc.string({ maxLength: 6000 }),
        (e, c) => {
          const r = fitFailureReport(e, c);
          // In UTF-16 units, as the API counts them.
          expect(r.error.length).toBeGreaterThanOrEqual(1);
          expect(r.error.length).toBeLessThanOrEqual(128);
          expect((r.cause ?? '').length).toBeLessThanOrEqual(4096);
        },
      ),
    );
  });
});
