// readPopRequest over readBody, with a fake IncomingMessage: what POP keeps from
// its own body reader (`+` as space, the 1 MiB limit) and what it gains (hang-ups settle).
import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { BodyTooLargeError, RequestAbortedError } from '../../../local/http/route';
import { POP_REQUEST_LIMIT, readPopRequest } from '../../../local/pop/params';

function formPost(headers: Record<string, string> = {}) {
  const stream = new Readable({ read() {} });
  return Object.assign(stream, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'content-length': '1',
      ...headers,
    },
  }) as unknown as IncomingMessage & Readable;
}

describe('readPopRequest', () => {
  it('reads `+` in a form body as a space and lets the form win over the query', async () => {
    const req = formPost();
    const p = readPopRequest(req, new URL('http://local/?Action=ListFlows&Name=query'));
    req.push('Name=a+b&Input=%7B%22k%22%3A1%7D');
    req.push(null);
    const r = await p;
    expect(r.form).toEqual({ Name: 'a b', Input: '{"k":1}' });
    expect(r.params).toEqual({ Action: 'ListFlows', Name: 'a b', Input: '{"k":1}' });
    expect(r.query).toEqual({ Action: 'ListFlows', Name: 'query' });
  });

  it('ignores a body that is not a form', async () => {
    const req = formPost({ 'content-type': 'application/json' });
    const p = readPopRequest(req, new URL('http://local/?Action=ListFlows'));
    req.push('{"Name":"x"}');
    req.push(null);
    expect((await p).form).toEqual({});
  });

  it('refuses a body over POP_REQUEST_LIMIT with BodyTooLargeError', async () => {
    const req = formPost();
    const p = readPopRequest(req, new URL('http://local/'));
    req.push(Buffer.alloc(POP_REQUEST_LIMIT + 1, 'a'));
    await expect(p).rejects.toBeInstanceOf(BodyTooLargeError);
  });

  it('rejects with RequestAbortedError when the caller hangs up mid-body', async () => {
    const req = formPost();
    const p = readPopRequest(req, new URL('http://local/'));
    req.push('Name=');
    req.destroy();
    await expect(p).rejects.toBeInstanceOf(RequestAbortedError);
  });
});
