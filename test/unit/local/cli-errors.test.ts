import { describe, expect, it } from 'vitest';
import { formatCliError, withoutQueries } from '../../../local/cli/errors';

describe('formatCliError', () => {
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
