import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { useMnsStack } from '../../support/mns-stack';

const t = useMnsStack();
beforeAll(() => t.stack.queues.createQueue('headers'));

/** A signed request; `md5` replaces the SDK's Content-MD5 spelling when given. */
const call = (method: string, resource: string, body?: string, md5?: string) =>
  t.signed(method, resource, body, md5 === undefined ? undefined : { 'content-md5': md5 });

const message = '<Message><MessageBody>hello headers</MessageBody></Message>';

describe('MNS response headers and Content-MD5 spellings', () => {
  it('answers with the request id, the version, a current Date and an exact Content-Length', async () => {
    const sent = await call('POST', '/queues/headers/messages', message);
    expect(sent.status).toBe(201);
    expect(sent.headers.get('x-mns-request-id')).toMatch(/^[0-9A-F]{24}$/);
    expect(sent.headers.get('x-mns-version')).toBe('2015-06-06');
    expect(sent.headers.get('content-type')).toBe('text/xml;charset=utf-8');
    expect(Number(sent.headers.get('content-length'))).toBe(Buffer.byteLength(sent.text));
    const date = Date.parse(sent.headers.get('date') ?? '');
    expect(Math.abs(Date.now() - date)).toBeLessThan(5_000);

    const got = await call('GET', '/queues/headers/messages');
    const handle = /<ReceiptHandle>([^<]+)<\/ReceiptHandle>/.exec(got.text)?.[1];
    expect(handle).toBeDefined();
    const deleted = await call('DELETE', `/queues/headers/messages?ReceiptHandle=${handle}`);
    expect(deleted.status).toBe(204);
    expect(deleted.headers.get('content-length')).toBe('0');
    expect(deleted.headers.get('x-mns-request-id')).not.toBe(sent.headers.get('x-mns-request-id'));
    expect(deleted.headers.get('date')).not.toBeNull();
  });

  it('accepts Content-MD5 as base64 of the lower or upper hex digest, or of the raw digest', async () => {
    const digest = createHash('md5').update(message).digest();
    const hex = digest.toString('hex');
    for (const md5 of [
      Buffer.from(hex).toString('base64'),
      Buffer.from(hex.toUpperCase()).toString('base64'),
      digest.toString('base64'),
    ]) {
      expect((await call('POST', '/queues/headers/messages', message, md5)).status).toBe(201);
    }
  });

  it('refuses a Content-MD5 of another body with InvalidDegist', async () => {
    const other = createHash('md5').update('something else').digest('hex');
    const res = await call(
      'POST',
      '/queues/headers/messages',
      message,
      Buffer.from(other).toString('base64'),
    );
    expect(res.status).toBe(400);
    expect(res.text).toContain('<Code>InvalidDegist</Code>');
  });
});
