import { describe, expect, it } from 'vitest';
import { decodeTaskMessage } from '../../../shared/task/envelope';
import { TaskMessageError } from '../../../shared/task/task-error';

const body = { task_token: 'tok-1', task_type: 'extract', source: 'orders-2026-11.csv' };

describe('decodeTaskMessage', () => {
  it('reads the token, the task type and the whole body from raw JSON', () => {
    const env = decodeTaskMessage(JSON.stringify(body));
    expect(env).toEqual({ token: 'tok-1', taskType: 'extract', input: body });
  });

  it('decodes a base64 body the same way as the raw JSON', () => {
    const b64 = Buffer.from(JSON.stringify(body)).toString('base64');
    expect(decodeTaskMessage(b64)).toEqual(decodeTaskMessage(JSON.stringify(body)));
  });

  it('accepts the token under taskToken too', () => {
    const env = decodeTaskMessage(JSON.stringify({ taskToken: 'tok-2', task_type: 'load' }));
    expect(env.token).toBe('tok-2');
  });

  it('prefers task_token when both fields are present', () => {
    const env = decodeTaskMessage({ task_token: 'a', taskToken: 'b' });
    expect(env.token).toBe('a');
  });

  it('accepts a Buffer and surrounding whitespace', () => {
    const env = decodeTaskMessage(Buffer.from(`  ${JSON.stringify(body)}\n`));
    expect(env.token).toBe('tok-1');
  });

  it('leaves taskType undefined when the body has no task_type', () => {
    const env = decodeTaskMessage(JSON.stringify({ task_token: 't' }));
    expect(env.taskType).toBeUndefined();
  });

  it('rejects a body without a token, naming the fields to map', () => {
    const err = (() => {
      try {
        decodeTaskMessage(JSON.stringify({ task_type: 'extract', source: 'x' }));
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(TaskMessageError);
    expect((err as TaskMessageError).code).toBe('MissingTaskToken');
    expect((err as Error).message).toMatch(/task_token/);
    expect((err as Error).message).toMatch(/task_type, source/);
  });

  it('rejects text that is neither JSON nor base64 of a JSON object', () => {
    expect(() => decodeTaskMessage('hello world')).toThrow(/neither a JSON object nor base64/);
    expect(() => decodeTaskMessage(Buffer.from('[1,2]').toString('base64'))).toThrow(
      TaskMessageError,
    );
    expect(() => decodeTaskMessage('')).toThrow(TaskMessageError);
  });

  it('rejects an empty token string', () => {
    expect(() => decodeTaskMessage({ task_token: '' })).toThrow(/no token/);
  });
});
