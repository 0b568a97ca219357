import { describe, expect, it } from 'vitest';
import { createRefusalLog } from '../../../local/http/server';
import { createLogger } from '../../../local/log';

describe('the log of refused browser requests', () => {
  it('says the first of each kind at once, then how many more came, at most once a minute', () => {
    const lines: string[] = [];
    let now = 0;
    const note = createRefusalLog(createLogger({ write: (l) => lines.push(l) }), () => now);
    for (let i = 0; i < 2000; i++) note('a cross-site request from a web page', '/');
    note('a request from the web page origin "null"', '/console');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toContain('refused a browser request reason=a cross-site request');
    now = 61_000;
    note('a cross-site request from a web page', '/');
    expect(lines.slice(2)).toEqual([
      expect.stringContaining(
        'refused more browser requests like it reason=a cross-site request from a web page count=1999',
      ),
      expect.stringContaining('refused a browser request reason=a cross-site request'),
    ]);
  });
});
