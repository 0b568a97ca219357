import { describe, expect, it } from 'vitest';
import { FlowError } from '../../../shared/clients/flow-errors';
import { classifyError } from '../../../shared/task/classify';
import { TaskError } from '../../../shared/task/task-error';

describe('classifyError', () => {
  it('takes a TaskError at its word', () => {
    expect(
      classifyError(new TaskError({ code: 'Busy', message: 'later', retryable: true })),
    ).toEqual({
      code: 'Busy',
      message: 'later',
      retryable: true,
    });
  });

  it('treats a TaskError as non-retryable unless it says otherwise', () => {
    expect(classifyError(new TaskError({ code: 'Bad', message: 'no' })).retryable).toBe(false);
  });

  it('keeps code and retryable of queueflow client errors', () => {
    const err = new FlowError({ code: 'ResourceThrottled', message: 'slow down', retryable: true });
    expect(classifyError(err)).toMatchObject({ code: 'ResourceThrottled', retryable: true });
  });

  it('names a plain error after its class and does not retry it', () => {
    expect(classifyError(new TypeError('x is undefined'))).toEqual({
      code: 'TypeError',
      message: 'x is undefined',
      retryable: false,
    });
  });

  it('names a subclass that keeps the inherited name after its class, as worker.md promises', () => {
    class SourceMissing extends Error {}
    expect(classifyError(new SourceMissing('no such file')).code).toBe('SourceMissing');
    class Named extends Error {
      override name = 'TableLocked';
    }
    expect(classifyError(new Named('x')).code).toBe('TableLocked');
    expect(classifyError(new Error('plain')).code).toBe('Error');
  });

  it('copes with thrown non-errors', () => {
    expect(classifyError('boom')).toEqual({ code: 'Error', message: 'boom', retryable: false });
    expect(classifyError({ a: 1 }).message).toBe('{"a":1}');
  });
});
