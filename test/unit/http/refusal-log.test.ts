import { describe, expect, it } from 'vitest';
import { createRefusalLog } from '../../../local/http/server';
import { createLogger } from '../../../local/log';

describe('the log of refused browser requests', () => {
  it('says the first of each kind at once, and a minute later how many more came', () => {
    const lines: string[] = [];
    const due: Array<() => void> = [];
    const note = createRefusalLog(createLogger({ write: (l) => lines.push(l) }), (fn, ms) => {
      expect(ms).toBe(60_000);
      due.push(fn);
    });
    for (let i = 0; i < 2000; i++) note('a cross-site request from a web page', '/');
    note('a request from the web page origin "null"', '/console');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toContain('refused a browser request reason=a cross-site request');
    // The burst stops; the minute passes: its count is said even with nothing after it.
    for (const fn of due.splice(0)) fn();
    expect(lines.slice(2)).toEqual([
      expect.stringContaining(
        'refused more browser requests like it reason=a cross-site request from a web page count=1999',
      ),
    ]);
    // Then the next one of that kind is said at once again.
    note('a cross-site request from a web page', '/');
    expect(lines).toHaveLength(4);
  });

  it('still counts refusals when a page cycles through a hundred kinds', () => {
    const lines: string[] = [];
    const due: Array<() => void> = [];
    const note = createRefusalLog(createLogger({ write: (l) => lines.push(l) }), (fn) =>
      due.push(fn),
    );
    for (let i = 0; i < 100; i++) note(`the Host header "n${i}.evil.example" ...`, '/');
    for (let i = 0; i < 500; i++) note('a cross-site request from a web page', '/');
    expect(lines).toHaveLength(100);
    for (const fn of due.splice(0)) fn();
    expect(lines.at(-1)).toContain('refused more browser requests of other kinds count=500');
  });
});
