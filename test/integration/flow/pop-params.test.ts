// A POP request's parameters may come split between the query string and the
// form body (the Tea SDK sends the common ones in the query and the business
// ones in the body); the signature covers their union.
import { createHmac, randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { popEncode, stringToSign } from '../../../local/pop/encode';
import { raw } from '../../support/raw-http';
import { callbackFlow, out, useFlowStack } from './helpers';

const Q = 'pop-params-q';
const ctx = useFlowStack(Q);

const join = (params: Record<string, string>) =>
  Object.entries(params)
    .map(([k, v]) => `${popEncode(k)}=${popEncode(v)}`)
    .join('&');

/** The common parameters of one call, fresh nonce and wall-clock timestamp. */
const common = (action: string): Record<string, string> => ({
  Action: action,
  Format: 'JSON',
  Version: '2019-03-15',
  AccessKeyId: ctx.stack.credentials.accessKeyId,
  SignatureMethod: 'HMAC-SHA1',
  SignatureVersion: '1.0',
  SignatureNonce: randomUUID().replaceAll('-', ''),
  Timestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
});

/** HMAC-SHA1 of the string to sign (the server's own, local/pop/encode.ts), key secret + "&". */
const signature = (method: string, signed: Record<string, string>) =>
  createHmac('sha1', `${ctx.stack.credentials.accessKeySecret}&`)
    .update(stringToSign(method, signed))
    .digest('base64');

/** A POST with `query` in the URL and `form` as an x-www-form-urlencoded body, signed over `signed`. */
function post(
  query: Record<string, string>,
  form: Record<string, string>,
  signed: Record<string, string>,
) {
  const body = join(form);
  return raw(
    ctx.stack.port,
    'POST',
    `/?${join({ ...query, Signature: signature('POST', signed) })}`,
    {
      'content-type': 'application/x-www-form-urlencoded',
      'content-length': String(Buffer.byteLength(body)),
    },
    body,
  );
}

/** A running execution waiting on its callback, and its task token. */
async function waitingTask(): Promise<{ flow: string; exec: string; token: string }> {
  const flow = await ctx.h.createFlow(callbackFlow(Q));
  const exec = await ctx.h.start(flow);
  const m = await ctx.h.receive(Q);
  return { flow, exec, token: m.body.token as string };
}

describe('POP parameters split between the query string and the form body', () => {
  it('takes TaskToken and the common parameters from the query and Output from the form', async () => {
    const { flow, exec, token } = await waitingTask();
    const query = { ...common('ReportTaskSucceeded'), TaskToken: token };
    const form = { Output: JSON.stringify({ from: 'form', note: "a b+c/d=e!'()*" }) };

    const reply = await post(query, form, { ...query, ...form });

    expect(reply.status, reply.text).toBe(200);
    const d = await ctx.h.finished(flow, exec);
    expect(d.Status).toBe('Succeeded');
    expect(out(d)).toEqual({ from: 'form', note: "a b+c/d=e!'()*" });
  });

  it('takes the form value of a parameter given in both places (form wins, as params.ts says)', async () => {
    const { flow, exec, token } = await waitingTask();
    const query = {
      ...common('ReportTaskSucceeded'),
      TaskToken: token,
      Output: JSON.stringify({ from: 'query' }),
    };
    const form = { Output: JSON.stringify({ from: 'form' }) };

    // The signed set is the merged one: the form's Output, not the query's.
    const reply = await post(query, form, { ...query, ...form });

    expect(reply.status, reply.text).toBe(200);
    const d = await ctx.h.finished(flow, exec);
    expect(out(d)).toEqual({ from: 'form' });
  });
});
