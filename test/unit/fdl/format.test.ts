import { describe, expect, it } from 'vitest';
import { formatGithub } from '../../../local/cli/commands/validate';
import { formatProblem, type Problem, sortProblems } from '../../../shared/fdl';

const problem: Problem = {
  severity: 'error',
  code: 'goto-target',
  message: 'goto "x" names no step, 100% sure',
  path: 'steps[0].choices[0].goto',
  file: 'flows/a,b.flow.yaml',
  line: 8,
  column: 15,
};

describe('problem formats', () => {
  it('prints file:line:col severity code message (path)', () => {
    expect(formatProblem(problem)).toBe(
      'flows/a,b.flow.yaml:8:15 error goto-target goto "x" names no step, 100% sure (steps[0].choices[0].goto)',
    );
  });

  it('prints GitHub Actions annotations with escaped properties and data', () => {
    expect(formatGithub({ ...problem, message: 'a\nb 100%' })).toBe(
      '::error file=flows/a%2Cb.flow.yaml,line=8,col=15,title=fdl goto-target::a%0Ab 100%25 (steps[0].choices[0].goto)',
    );
    expect(formatGithub({ ...problem, severity: 'warning' }).startsWith('::warning ')).toBe(true);
  });

  it('sorts by file, line and column, errors first on the same spot', () => {
    const w = { ...problem, severity: 'warning' as const };
    const sorted = sortProblems([
      { ...w, line: 2 },
      { ...problem, line: 2 },
      { ...problem, line: 1, file: 'z' },
      { ...problem, line: 9, file: 'a' },
    ]);
    expect(sorted.map((p) => `${p.file}:${p.line}:${p.severity}`)).toEqual([
      'a:9:error',
      'flows/a,b.flow.yaml:2:error',
      'flows/a,b.flow.yaml:2:warning',
      'z:1:error',
    ]);
  });
});
