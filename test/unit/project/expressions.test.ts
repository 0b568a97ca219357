// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the strings are s.yaml's own ${...} syntax
import { describe, expect, it } from 'vitest';
import {
  ExpressionSyntaxError,
  parseExpression,
  parseTemplate,
} from '../../../local/project/expressions';

describe('parseTemplate', () => {
  it('leaves a string without ${ as one text part', () => {
    expect(parseTemplate('{"source":["x"]}')).toEqual([{ text: '{"source":["x"]}' }]);
  });

  it('splits text and expressions, keeping each expression source', () => {
    expect(parseTemplate("acs:ram::${config('AccountID')}:role/${vars.role}")).toEqual([
      { text: 'acs:ram::' },
      {
        expr: { kind: 'call', name: 'config', args: [{ kind: 'literal', value: 'AccountID' }] },
        source: "config('AccountID')",
      },
      { text: ':role/' },
      { expr: { kind: 'ref', segments: ['vars', 'role'] }, source: 'vars.role' },
    ]);
  });

  it('does not end an expression at a } inside quotes', () => {
    const parts = parseTemplate("${env('X', '}')}!");
    expect(parts[0]).toMatchObject({ source: "env('X', '}')" });
    expect(parts[1]).toEqual({ text: '!' });
  });

  it('reports an unclosed ${', () => {
    expect(() => parseTemplate('a ${vars.x')).toThrow(ExpressionSyntaxError);
  });
});

describe('parseExpression', () => {
  it('reads resource names with dashes, and refuses what s 3.1.10 does not resolve', () => {
    expect(parseExpression('resources.task-worker.props.functionName')).toEqual({
      kind: 'ref',
      segments: ['resources', 'task-worker', 'props', 'functionName'],
    });
    // `s preview` answers "not found" for these; locally they must not quietly work.
    expect(() => parseExpression('resources.g.props.triggers[0].triggerName')).toThrow(
      /s does not resolve \[\.\.\.\] in references/,
    );
    expect(() => parseExpression("vars['queue-name']")).toThrow(/\[\.\.\.\]/);
    expect(() => parseExpression(' vars.stage ')).toThrow(/no spaces inside/);
  });

  it('reads nested calls with double-quoted and numeric arguments', () => {
    expect(parseExpression('json(file("./a.json"))')).toEqual({
      kind: 'call',
      name: 'json',
      args: [{ kind: 'call', name: 'file', args: [{ kind: 'literal', value: './a.json' }] }],
    });
    expect(parseExpression("env('N', 3)")).toMatchObject({ args: [{}, { value: 3 }] });
  });

  it('refuses a single-quoted literal on its own, which s cannot compile, and keeps the forms s reads', () => {
    expect(() => parseExpression("'lit'")).toThrow(
      /^\$\{'lit'\}: s cannot compile a single-quoted literal on its own .*CompileError: missing \) after argument list/,
    );
    expect(() => parseTemplate("x-${'lit'}")).toThrow(ExpressionSyntaxError);
    expect(parseExpression('"lit"')).toEqual({ kind: 'literal', value: 'lit' });
    expect(parseExpression('3')).toEqual({ kind: 'literal', value: 3 });
    expect(parseExpression("env('X', 'd')")).toMatchObject({ kind: 'call', name: 'env' });
  });

  it('says where unexpected text starts', () => {
    expect(() => parseExpression('vars.x y')).toThrow(
      'unexpected text at character 8 of ${vars.x y}',
    );
  });
});
