import { describe, expect, it } from 'vitest';
import {
  applyMappings,
  classifySource,
  defaultStepInput,
  evaluateServiceParams,
  FdlError,
} from '../../../shared/fdl';

describe('classifySource', () => {
  it('treats $input, $local, $context, $ and $. strings as paths and the rest as constants', () => {
    for (const s of [
      '$input',
      '$input.a',
      '$local[0]',
      '$context.task.token',
      '$',
      '$.x',
      '$[0]',
    ]) {
      expect(classifySource(s)).toBe('path');
    }
    for (const s of [
      '$inputs.a',
      '$Input.a',
      '$5',
      'value',
      '/',
      '',
      100,
      null,
      ['$input.a'],
      { a: '$input' },
    ]) {
      expect(classifySource(s as never)).toBe('constant');
    }
  });
});

describe('applyMappings', () => {
  it('maps paths and constants in order, and a later mapping of the same target wins', () => {
    const out = applyMappings(
      [
        { target: 'token', source: '$context.task.token' },
        { target: 'key', source: 'value' },
        { target: 'n', source: 100 },
        { target: 'list', source: ['A', 'B'] },
        { target: 'bucket', source: '$input.bucket' },
        { target: 'bucket', source: '$local.bucket' },
      ],
      { input: { bucket: 'in' }, local: { bucket: 'local' }, context: { task: { token: 'tok' } } },
    );
    expect(out).toEqual({ token: 'tok', key: 'value', n: 100, list: ['A', 'B'], bucket: 'local' });
  });

  it('leaves the key out when the path matches nothing, but keeps a present null', () => {
    const out = applyMappings(
      [
        { target: 'missing', source: '$input.nope' },
        { target: 'nulled', source: '$input.n' },
      ],
      { input: { n: null } },
    );
    expect(out).toEqual({ nulled: null });
    expect(Object.hasOwn(out, 'missing')).toBe(false);
  });

  it('reads $ as the parent input merged with the parent local when no $ root is given', () => {
    const out = applyMappings(
      [
        { target: 'all', source: '$' },
        { target: 'a', source: '$.a' },
      ],
      {
        input: { a: 'input', b: 1 },
        local: { a: 'local' },
      },
    );
    expect(out).toEqual({ all: { a: 'local', b: 1 }, a: 'local' });
  });

  it('uses a target literally, dots included, and never touches the prototype', () => {
    const out = applyMappings(
      [
        { target: 'a.b', source: 1 },
        { target: '__proto__', source: { polluted: true } },
      ],
      {},
    );
    expect(Object.keys(out)).toEqual(['a.b', '__proto__']);
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
  });

  it('throws invalid-path for a malformed path source', () => {
    expect(() => applyMappings([{ target: 'x', source: '$input.a[' }], { input: {} })).toThrowError(
      FdlError,
    );
  });
});

describe('defaultStepInput', () => {
  it('merges the parent input and local, the local winning', () => {
    expect(defaultStepInput({ a: 1, b: 1 }, { b: 2, c: 3 })).toEqual({ a: 1, b: 2, c: 3 });
  });
});

describe('evaluateServiceParams', () => {
  const mapped = { task_token: 't', task_type: 'extract', tags: ['x'], meta: { tag: 'm' } };

  it('sends the whole mapped input for MessageBody $ and keeps constants', () => {
    expect(evaluateServiceParams({ MessageBody: '$', Priority: 1 }, mapped)).toEqual({
      MessageBody: mapped,
      Priority: 1,
    });
  });

  it('reads $.x paths, evaluates nested objects and lists, and omits unmatched keys', () => {
    expect(
      evaluateServiceParams(
        {
          ExecutionName: '$.task_type',
          MessageAttributes: { tag: '$.meta.tag', fixed: 'f' },
          List: ['$.tags[0]', '$.nope', 3],
          Missing: '$.nope',
          Literal: '$input.x',
        },
        mapped,
      ),
    ).toEqual({
      ExecutionName: 'extract',
      MessageAttributes: { tag: 'm', fixed: 'f' },
      List: ['x', null, 3],
      Literal: '$input.x',
    });
  });
});
