// A POP request's parameters may come split between the query string and the
// form body (the Tea SDK sends the common ones in the query and the business
// ones in the body); the signature covers their union.
import { createHmac, randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { raw } from '../../support/raw-http';
import { callbackFlow, out, useFlowStack } from './helpers';

const Q = 'pop-params-q';
const ctx = useFlowStack(Q);

/** RFC 3986 percent-encoding, as the POP RPC signature uses it (reference §3.3). */
const encode = (s: string) =>
  encodeURIComponent(s).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );

const join = (params: Record<string, string>) =>
  Object.entries(params)
    .map(([k, v]) => `${encode(k)}=${encode(v)}`)
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

/** HMAC-SHA1 over METHOD&%2F&encode(sorted canonical parameters), key secret + "&". */
function signature(method: string, signed: Record<string, string>): string {
  const canonical = Object.keys(signed)
    .sort()
    .map((k) => `${encode(k)}=${encode(signed[k] ?? '')}`)
    .join('&');
  return createHmac('sha1', `${ctx.stack.credentials.accessKeySecret}&`)
    .update(`${method}&${encode('/')}&${encode(canonical)}`)
    .digest('base64');
}

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
