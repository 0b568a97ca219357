// Malformed requests (bad percent-escapes, bad XML, bodies of the wrong type)
// get the owning service's 4xx in its own error shape, never the server's
// generic 500: over raw HTTP, plus the unmodified fc2 client where it can send one.
import FC from '@alicloud/fc2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../local/log';
import { type LocalStack, startLocalStack } from '../../../local/stack';
import { signedFetch } from '../../support/mns-sign';
import { raw } from '../../support/raw-http';

const BAD_ESCAPE = '%E0%A4%A';

describe('malformed requests', () => {
  let stack: LocalStack;
  beforeAll(async () => {
    stack = await startLocalStack({ port: 0, memory: true, logger: silentLogger });
  });
  afterAll(() => stack?.stop());

  describe('the FC 3.0 invoke API', () => {
    it('answers a malformed percent-escape in the function name with 400 InvalidArgument', async () => {
      const res = await raw(stack.port, 'POST', `/2023-03-30/functions/${BAD_ESCAPE}/invocations`);
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toBe('application/json');
      const body = JSON.parse(res.text) as Record<string, string>;
      expect(body).toMatchObject({ Code: 'InvalidArgument' });
      expect(body.Message).toContain('percent-escape');
      expect(body.RequestId).toBe(res.headers['x-fc-request-id']);
    });

    it('answers a path it does not serve with 400 PathNotSupported, as FC lists it', async () => {
      const res = await raw(stack.port, 'POST', '/2023-03-30/functions/f/nope');
      expect(res.status).toBe(400);
      expect(JSON.parse(res.text)).toMatchObject({ Code: 'PathNotSupported' });
    });
  });

  describe('the FC 2016 invoke API', () => {
    it('answers a malformed percent-escape with 400 InvalidArgument in the FC 2.0 body', async () => {
      const res = await raw(
        stack.port,
        'POST',
        `/2016-08-15/services/${BAD_ESCAPE}/functions/f/invocations`,
      );
      expect(res.status).toBe(400);
      expect(JSON.parse(res.text)).toMatchObject({ ErrorCode: 'InvalidArgument' });
    });

    it('gives the unmodified fc2 client InvalidArgument for a name it sends unescaped', async () => {
      // fc2 puts the name in the path as given and signs that text, so the
      // signature holds and only the path's meaning is wrong.
      const fc = new FC(stack.accountId, {
        accessKeyID: stack.credentials.accessKeyId,
        accessKeySecret: stack.credentials.accessKeySecret,
        region: stack.region,
        endpoint: stack.endpoint,
      });
      await expect(fc.invokeFunction('default', BAD_ESCAPE, 'x')).rejects.toMatchObject({
        code: 'InvalidArgument',
        message: expect.stringContaining('failed with 400'),
      });
    });
  });

  describe('the MNS queue API (signed requests)', () => {
    const mns = (method: string, resource: string, body?: string, headers = {}) =>
      signedFetch({
        endpoint: stack.endpoint,
        accessKeyId: stack.credentials.accessKeyId,
        accessKeySecret: stack.credentials.accessKeySecret,
        method,
        resource,
        headers,
        ...(body === undefined ? {} : { body }),
      });
    const code = (xml: string) => /<Code>([^<]*)<\/Code>/.exec(xml)?.[1];

    beforeAll(async () => {
      expect((await mns('PUT', '/queues/hardening')).status).toBe(201);
    });

    it.each([
      [
        'a malformed escape in the queue name',
        'PUT',
        `/queues/${BAD_ESCAPE}`,
        undefined,
        {},
        'InvalidQueueName',
      ],
      [
        'a malformed escape in the query',
        'GET',
        `/queues/hardening/messages?waitseconds=${BAD_ESCAPE}`,
        undefined,
        {},
        'InvalidQueryString',
      ],
      [
        'an unclosed element',
        'POST',
        '/queues/hardening/messages',
        '<Message><MessageBody>a</Message>',
        {},
        'MalformedXML',
      ],
      [
        'a JSON body',
        'POST',
        '/queues/hardening/messages',
        '{"MessageBody":"a"}',
        { 'content-type': 'application/json' },
        'MalformedXML',
      ],
      [
        'a structured MessageBody',
        'POST',
        '/queues/hardening/messages',
        '<Message><MessageBody><a>1</a></MessageBody></Message>',
        {},
        'MalformedXML',
      ],
      ['an empty path segment', 'PUT', '/queues//messages', undefined, {}, 'InvalidRequestURL'],
      [
        'a control character XML cannot carry',
        'POST',
        '/queues/hardening/messages',
        '<Message><MessageBody>a\u0001b</MessageBody></Message>',
        {},
        'MalformedXML',
      ],
      [
        'a numeric reference to such a character',
        'POST',
        '/queues/hardening/messages',
        '<Message><MessageBody>a&#1;b</MessageBody></Message>',
        {},
        'MalformedXML',
      ],
      [
        'an HTML entity XML does not define',
        'POST',
        '/queues/hardening/messages',
        '<Message><MessageBody>a&nbsp;b</MessageBody></Message>',
        {},
        'MalformedXML',
      ],
      [
        'a DTD with its own entity',
        'POST',
        '/queues/hardening/messages',
        '<?xml version="1.0"?><!DOCTYPE m [<!ENTITY e "EXPANDED">]><Message><MessageBody>&e;</MessageBody></Message>',
        {},
        'MalformedXML',
      ],
      [
        'deeply nested XML',
        'POST',
        '/queues/hardening/messages',
        `<Message>${'<a>'.repeat(20_000)}${'</a>'.repeat(20_000)}</Message>`,
        {},
        'MalformedXML',
      ],
    ])(
      'answers %s with a 400 MNS error code (%s %s)',
      async (_what, method, resource, body, headers, expected) => {
        const res = await mns(method, resource, body, headers);
        expect(res.status).toBe(400);
        expect(res.contentType).toContain('text/xml');
        expect(code(res.text)).toBe(expected);
      },
    );
  });

  it('still takes tabs, line breaks, XML entities and numeric references in a body', async () => {
    const sent = await signedFetch({
      endpoint: stack.endpoint,
      accessKeyId: stack.credentials.accessKeyId,
      accessKeySecret: stack.credentials.accessKeySecret,
      method: 'POST',
      resource: '/queues/hardening/messages',
      body: '<Message><MessageBody>a\tb\nc &amp; &lt;d&gt; &#233;&#x1F600;</MessageBody></Message>',
    });
    expect(sent.status).toBe(201);
    const got = await stack.queues.receiveMessages('hardening', { max: 1, waitSeconds: 0 });
    expect(got[0]?.body).toBe('a\tb\nc & <d> é😀');
  });

  describe('the FnF POP API', () => {
    it.each([
      [
        'a malformed escape in the query',
        'GET',
        `/?Action=${BAD_ESCAPE}&Version=2019-03-15`,
        {},
        undefined,
      ],
      [
        'a malformed escape in the form',
        'POST',
        '/',
        { 'content-type': 'application/x-www-form-urlencoded' },
        `Action=ListFlows&${BAD_ESCAPE}=1`,
      ],
      [
        'a JSON body',
        'POST',
        '/?Action=ListFlows',
        { 'content-type': 'application/json' },
        '{"Version":',
      ],
    ])('answers %s with a POP 400, not a 500', async (_what, method, path, headers, body) => {
      const res = await raw(stack.port, method, path, headers, body);
      expect(res.status).toBe(400);
      const parsed = JSON.parse(res.text) as Record<string, string>;
      expect(parsed.Code).toBe('MissingRequiredParams');
      expect(parsed.RequestId).toMatch(/^[0-9A-F]{24}$/);
    });
  });
});
