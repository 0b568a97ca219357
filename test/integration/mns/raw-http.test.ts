import { beforeAll, describe, expect, it } from 'vitest';
import { signedFetch, signMnsHeaders } from '../../support/mns-sign';
import { useMnsStack } from '../../support/mns-stack';
import { raw } from '../../support/raw-http';

const t = useMnsStack();
beforeAll(async () => {
  await t.mns.createQueue('raw');
});

const send = t.signed;

describe('the MNS wire format over raw HTTP', () => {
  it('stores an escaped body with XML special characters and returns it escaped correctly', async () => {
    const text = `a<b & c>"d" 'e' &amp; ü`;
    const escaped = text
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;')
      .replace(/'/g, '&apos;');
    const sent = await send(
      'POST',
      '/queues/raw/messages',
      `<?xml version="1.0" encoding="UTF-8"?><Message xmlns="http://mns.aliyuncs.com/doc/v1/"><MessageBody>${escaped}</MessageBody></Message>`,
    );
    expect(sent.status).toBe(201);
    expect(sent.contentType).toBe('text/xml;charset=utf-8');
    const got = await send('GET', '/queues/raw/messages');
    expect(got.status).toBe(200);
    expect(got.text).toContain(`<MessageBody>${escaped}</MessageBody>`);
    // And the SDK (xml2js) reads it back as the original text.
    await send(
      'POST',
      '/queues/raw/messages',
      `<Message><MessageBody>${escaped}</MessageBody></Message>`,
    );
    expect((await t.mns.receiveMessage('raw')).body.MessageBody).toBe(text);
  });

  it('answers errors as the cloud error document with text/xml', async () => {
    const res = await send('GET', '/queues/nowhere');
    expect(res.status).toBe(404);
    expect(res.contentType).toBe('text/xml;charset=utf-8');
    expect(res.text).toMatch(
      /<Error xmlns="http:\/\/mns.aliyuncs.com\/doc\/v1\/"><Code>QueueNotExist<\/Code><Message>[^<]+<\/Message><RequestId>[0-9A-F]{24}<\/RequestId><HostId>http:\/\/127.0.0.1:\d+<\/HostId><\/Error>/,
    );
  });

  it('answers MalformedXML for a body that is not well-formed', async () => {
    const res = await send(
      'POST',
      '/queues/raw/messages',
      '<Message><MessageBody>a<b</MessageBody>',
    );
    expect(res.status).toBe(400);
    expect(res.text).toContain('<Code>MalformedXML</Code>');
  });

  it('says where XML breaks, and which element repeats', async () => {
    const cut = await send(
      'POST',
      '/queues/raw/messages',
      '<Message><MessageBody>a</MessageBody></Message',
    );
    expect(cut.status).toBe(400);
    expect(cut.text).toMatch(
      /<Code>MalformedXML<\/Code><Message>The XML you provided was not well-formed: [^<]+ \(line 1, column \d+\)\.<\/Message>/,
    );
    const twice = await send(
      'POST',
      '/queues/raw/messages',
      '<Message><MessageBody>a</MessageBody><DelaySeconds>1</DelaySeconds><DelaySeconds>2</DelaySeconds></Message>',
    );
    expect(twice.text).toContain(
      '<Message>The element DelaySeconds appears more than once.</Message>',
    );
    const missing = await send('GET', '/queues/nowhere-q');
    expect(missing.text).toContain(
      '<Message>The queue name you provided is not exist. (queue &quot;nowhere-q&quot;)</Message>',
    );
  });

  it('refuses a body that is not UTF-8 instead of storing it changed', async () => {
    const before = t.stack.queues.stats('raw');
    const body = Buffer.concat([
      Buffer.from('<Message><MessageBody>bad'),
      Buffer.from([0xff, 0xfe, 0xc3]),
      Buffer.from('</MessageBody></Message>'),
    ]);
    const headers = signMnsHeaders({
      accessKeyId: t.stack.credentials.accessKeyId,
      accessKeySecret: t.stack.credentials.accessKeySecret,
      method: 'POST',
      resource: '/queues/raw/messages',
      headers: { 'content-type': 'text/xml;charset=utf-8' },
    });
    const res = await fetch(`${t.stack.endpoint}/queues/raw/messages`, {
      method: 'POST',
      headers,
      body,
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain(
      '<Code>MalformedXML</Code><Message>The request body is not valid UTF-8 (at byte 25).</Message>',
    );
    expect(t.stack.queues.stats('raw')).toEqual(before);
  });

  it('refuses a peekonly or metaoverride flag that is not true or false, and takes nothing', async () => {
    await send(
      'POST',
      '/queues/raw/messages',
      '<Message><MessageBody>keep</MessageBody></Message>',
    );
    const before = t.stack.queues.stats('raw');
    const peek = await send('GET', '/queues/raw/messages?peekonly=TRUE');
    expect(peek.status).toBe(400);
    expect(peek.text).toContain(
      'The query parameter peekonly must be true or false; got &quot;TRUE&quot;.',
    );
    expect(t.stack.queues.stats('raw')).toEqual(before);
    const meta = await send('PUT', '/queues/raw?metaoverride=yes', '<Queue></Queue>');
    expect(meta.status).toBe(400);
    expect(meta.text).toContain('<Code>InvalidArgument</Code>');
  });

  it('reads a batch of one entry as one entry', async () => {
    const res = await send(
      'POST',
      '/queues/raw/messages',
      '<Messages><Message>xx</Message></Messages>',
    );
    expect(res.status).toBe(500);
    expect(res.text).toContain(
      '<ErrorCode>InvalidArgument</ErrorCode><ErrorMessage>The MessageBody is required.</ErrorMessage>',
    );
    expect(res.text).not.toContain('between 1 and 16');
  });

  it('refuses unsigned requests and a Content-MD5 that does not match the body', async () => {
    const unsigned = await fetch(`${t.stack.endpoint}/queues`);
    expect(unsigned.status).toBe(400);
    expect(await unsigned.text()).toContain('<Code>MissingAuthorizationHeader</Code>');
    const wrongMd5 = await send(
      'POST',
      '/queues/raw/messages',
      '<Message><MessageBody>x</MessageBody></Message>',
      {
        'content-md5': Buffer.from('0'.repeat(32)).toString('base64'),
      },
    );
    expect(wrongMd5.status).toBe(400);
    expect(wrongMd5.text).toContain('<Code>InvalidDegist</Code>');
  });

  it('refuses an unknown AccessKeyId, a stale Date and a missing version header', async () => {
    const unknownKey = await signedFetch({
      endpoint: t.stack.endpoint,
      accessKeyId: 'someone-else',
      accessKeySecret: 'whatever',
      method: 'GET',
      resource: '/queues',
    });
    expect(unknownKey.status).toBe(403);
    expect(unknownKey.text).toContain('<Code>InvalidAccessKeyId</Code>');
    const stale = await send('GET', '/queues', undefined, {
      date: new Date(Date.now() - 20 * 60_000).toUTCString(),
    });
    expect(stale.status).toBe(408);
    expect(stale.text).toContain('<Code>TimeExpired</Code>');
    const noVersion = await send('GET', '/queues', undefined, { 'x-mns-version': '' });
    expect(noVersion.status).toBe(400);
    expect(noVersion.text).toContain('<Code>MissingVersionHeader</Code>');
  });

  it('takes x-mns-date in place of a Date header a client cannot set', async () => {
    const date = new Date().toUTCString();
    const { date: _signedDate, ...headers } = signMnsHeaders({
      ...t.stack.credentials,
      method: 'GET',
      resource: '/queues/raw',
      headers: { date, 'x-mns-date': date },
    });
    const res = await raw(t.stack.port, 'GET', '/queues/raw', headers);
    expect(res.status).toBe(200);
    const none = await raw(t.stack.port, 'GET', '/queues/raw', {
      ...headers,
      'x-mns-date': '',
    });
    expect(none.text).toContain('MissingDateHeader');
  });

  it('matches query names case-insensitively and keeps + in a receipt handle', async () => {
    await t.mns.sendMessage('raw', { MessageBody: 'case' });
    const got = await t.mns.receiveMessage('raw');
    const handle = got.body.ReceiptHandle!;
    const change = await send(
      'PUT',
      `/queues/raw/messages?ReceiptHandle=${handle}&VisibilityTimeout=5`,
    );
    expect(change.status).toBe(200);
    expect(change.text).toMatch(/^<\?xml[^>]*>\s*<ChangeVisibility xmlns=/);
    const bogus = await send('DELETE', '/queues/raw/messages?ReceiptHandle=a+b/c==');
    expect(bogus.text).toContain('<Code>ReceiptHandleError</Code>');
  });

  it('lists with x-mns-with-meta and hands out NextMarker when there are more', async () => {
    await t.mns.createQueue('raw-2');
    const res = await send('GET', '/queues', undefined, {
      'x-mns-prefix': 'raw',
      'x-mns-ret-number': '1',
      'x-mns-with-meta': 'true',
    });
    expect(res.status).toBe(200);
    expect(res.text).toContain('<QueueName>raw</QueueName>');
    expect(res.text).toContain('<VisibilityTimeout>30</VisibilityTimeout>');
    expect(res.text).toContain('<NextMarker>raw-2</NextMarker>');
  });
});
