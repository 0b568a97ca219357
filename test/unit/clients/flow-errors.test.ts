import { describe, expect, it } from 'vitest';
import { FlowError, toFlowError } from '../../../shared/clients/flow-errors';
import { withRetry } from '../../../shared/clients/retry';

// Shapes as @alicloud/pop-core 1.8.0 (lib/rpc.js) and httpx 2.3.3 throw them.
function popError(code: string, status: number): Error {
  const err = new Error(`${code} message, URL: http://x/`) as Error & Record<string, unknown>;
  err.name = `${code}Error`;
  err.code = code;
  err.data = { Code: code, Message: `${code} message`, RequestId: 'R1' };
  err.entry = { response: { statusCode: status } };
  return err;
}

describe('toFlowError', () => {
  it('keeps the API code, status and request id', () => {
    const e = toFlowError(popError('TaskAlreadyCompleted', 400), 'ReportTaskSucceeded');
    expect(e).toBeInstanceOf(FlowError);
    expect(e).toMatchObject({
      code: 'TaskAlreadyCompleted',
      status: 400,
      requestId: 'R1',
      retryable: false,
    });
  });

  it('retries throttling, 5xx and please-retry races', () => {
    expect(toFlowError(popError('ResourceThrottled', 429), 'A').retryable).toBe(true);
    expect(toFlowError(popError('InternalServerError', 500), 'A').retryable).toBe(true);
    expect(toFlowError(popError('SomethingNew', 503), 'A').retryable).toBe(true);
    expect(toFlowError(popError('TaskInvalidState', 409), 'A').retryable).toBe(true);
    expect(toFlowError(popError('InvalidArgument', 400), 'A').retryable).toBe(false);
  });

  it('treats timeouts, refused connections and non-JSON bodies as retryable', () => {
    const timeout = Object.assign(new Error('ReadTimeout(3000)'), { name: 'RequestTimeoutError' });
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    const html = new SyntaxError('Unexpected token <');
    expect(toFlowError(timeout, 'A')).toMatchObject({ code: 'NetworkError', retryable: true });
    expect(toFlowError(refused, 'A')).toMatchObject({ code: 'NetworkError', retryable: true });
    expect(toFlowError(html, 'A')).toMatchObject({ code: 'InvalidResponse', retryable: true });
  });

  it("leaves out what an error quotes of the request: a GET URL's query", () => {
    // httpx appends the whole URL; a GET carries every parameter, SecurityToken included.
    const timeout = Object.assign(
      new Error(
        'ReadTimeout(3000). GET http://fnf.example/?Action=DescribeExecution&SecurityToken=CAIS-secret&Signature=x failed.',
      ),
      { name: 'RequestTimeoutError' },
    );
    const e = toFlowError(timeout, 'DescribeExecution');
    expect(e.message).toBe(
      'DescribeExecution: ReadTimeout(3000). GET http://fnf.example/?… failed.',
    );
  });
});

describe('withRetry', () => {
  it('retries retryable errors with growing delays, then succeeds', async () => {
    const delays: number[] = [];
    let calls = 0;
    const v = await withRetry(
      async () => {
        calls++;
        if (calls < 3)
          throw new FlowError({ code: 'ResourceThrottled', message: 'x', retryable: true });
        return 'ok';
      },
      {
        isRetryable: (e) => e instanceof FlowError && e.retryable,
        sleep: async (ms) => {
          delays.push(ms);
        },
        random: () => 1,
      },
    );
    expect(v).toBe('ok');
    expect(delays).toEqual([100, 200]);
  });

  it('gives up after the last attempt and rethrows the error', async () => {
    let calls = 0;
    const p = withRetry(
      async () => {
        calls++;
        throw new Error('still down');
      },
      {
        isRetryable: () => true,
        sleep: async () => {},
        policy: { attempts: 3, baseDelayMs: 1, maxDelayMs: 1 },
      },
    );
    await expect(p).rejects.toThrow('still down');
    expect(calls).toBe(3);
  });

  it('does not retry a non-retryable error', async () => {
    let calls = 0;
    await expect(
      withRetry(
        async () => {
          calls++;
          throw new Error('bad input');
        },
        { isRetryable: () => false, sleep: async () => {} },
      ),
    ).rejects.toThrow('bad input');
    expect(calls).toBe(1);
  });
});
