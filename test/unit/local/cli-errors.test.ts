import { describe, expect, it } from 'vitest';
import { connectionCode, formatCliError, withoutQueries } from '../../../local/cli/errors';

describe('formatCliError', () => {
  it("leaves a service's own coded error alone, whatever its text names", () => {
    const err = Object.assign(
      new Error('Flow  dns-ENOTFOUND-retry does not exist., URL: http://127.0.0.1:9300/'),
      { code: 'FlowNotExists' },
    );
    expect(connectionCode(err)).toBeUndefined();
    expect(formatCliError(err)).toBe('FlowNotExists: Flow  dns-ENOTFOUND-retry does not exist.');
  });

  it('never prints a signed request URL', () => {
    const signed =
      'Specified access key is not found., URL: http://127.0.0.1:9300/?AccessKeyId=LTAIcloud&Signature=abc%3D&SignatureNonce=1';
    expect(formatCliError(new Error(signed))).toBe(
      'Specified access key is not found., URL: http://127.0.0.1:9300/',
    );
    expect(withoutQueries('see https://x.example/a?b=c and http://y/')).toBe(
      'see https://x.example/a and http://y/',
    );
  });

  it('reads the non-Error objects the SDKs reject with, instead of [object Object]', () => {
    expect(formatCliError({ name: 'SyntaxError', message: 'Unexpected token < in JSON' })).toBe(
      'Unexpected token < in JSON',
    );
    expect(formatCliError({ weird: 1 })).toBe('{"weird":1}');
  });

  it('says to start a stack when nothing answers, with the glued httpx text split', () => {
    const err = Object.assign(
      new Error('connect ECONNREFUSED 127.0.0.1:1POST http://127.0.0.1:1/?AccessKeyId=x failed.'),
      { code: 'ECONNREFUSED' },
    );
    const text = formatCliError(err);
    expect(text).toContain(
      'nothing answers at the endpoint (ECONNREFUSED): connect ECONNREFUSED 127.0.0.1:1; POST http://127.0.0.1:1/ failed.',
    );
    expect(text).toContain('`npm start`');
    expect(text).not.toContain('AccessKeyId');
  });

  it("finds the connection code in the MNS SDK's NetworkError text, and leaves the hint out on request", () => {
    // As queue-client wraps it: code NetworkError, the socket code only in the message.
    const err = Object.assign(
      new Error(
        'BatchReceiveMessage: NetworkError: connect ECONNREFUSED 127.0.0.1:1GET http://127.0.0.1:1/queues/q/messages?numOfMessages=16 failed.',
      ),
      { code: 'NetworkError' },
    );
    expect(connectionCode(err)).toBe('ECONNREFUSED');
    expect(connectionCode(new Error('x', { cause: { code: 'ENOTFOUND' } }))).toBe('ENOTFOUND');
    expect(connectionCode(new Error('QueueNotExist'))).toBeUndefined();
    expect(formatCliError(err, { stackHint: false })).toBe(
      'nothing answers at the endpoint (ECONNREFUSED): BatchReceiveMessage: NetworkError: connect ECONNREFUSED 127.0.0.1:1; GET http://127.0.0.1:1/queues/q/messages failed.',
    );
    expect(formatCliError(err)).toContain('`npm start`');
  });

  it('prints a pop-core error as its code and the service message, without the URL tail', () => {
    // As @alicloud/pop-core 1.8 rejects: `${Message}, URL: ${url}`, code = Code, name = Code + 'Error'.
    const err = Object.assign(
      new Error(
        'Flow  nope-flow does not exist., URL: http://127.0.0.1:9300/?AccessKeyId=queueflow-local&Signature=abc',
      ),
      { name: 'FlowNotExistsError', code: 'FlowNotExists', data: { Code: 'FlowNotExists' } },
    );
    expect(formatCliError(err)).toBe('FlowNotExists: Flow  nope-flow does not exist.');
  });
});
