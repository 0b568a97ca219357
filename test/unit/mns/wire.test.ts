import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MnsError } from '../../../local/mns/errors';
import { parseQuery } from '../../../local/mns/http-io';
import { intField, parseQueueAttributes, parseSendBody } from '../../../local/mns/http-parse';
import { bodyMD5, newReceiptHandle, parseReceiptHandle } from '../../../local/mns/ids';
import {
  child,
  escapeXml,
  parseFlatXml,
  parseXml,
  parseXmlFully,
  text,
} from '../../../local/mns/xml';

const codeOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return err instanceof MnsError ? err.code : String(err);
  }
  return 'no error';
};

describe('MNS wire helpers', () => {
  it('round-trips any text through escapeXml and the request parser', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (body) => {
        const doc = parseXml(`<Message><MessageBody>${escapeXml(body)}</MessageBody></Message>`);
        expect(text(child(doc, 'Message')!, 'MessageBody')).toBe(body);
      }),
    );
  });

  it('reads flat documents on the fast path exactly as fast-xml-parser reads them', () => {
    const name = fc.constantFrom('MessageBody', 'Priority', 'DelaySeconds', 'x-queueflow-a');
    const value = fc.string({ unit: 'grapheme' }).filter((v) => !/[<&]/.test(v));
    fc.assert(
      fc.property(fc.dictionary(name, value), fc.boolean(), (fields, decl) => {
        const inner = Object.entries(fields)
          .map(([k, v]) => `<${k}>${v}</${k}>`)
          .join('');
        const doc = `${decl ? '<?xml version="1.0" encoding="UTF-8"?>' : ''}<Message xmlns="http://mns.aliyuncs.com/doc/v1/">${inner}</Message>`;
        const fast = parseFlatXml(doc);
        expect(fast).toBeDefined();
        const full = parseXmlFully(doc);
        expect(child(fast, 'Message')).toEqual(child(full, 'Message'));
      }),
    );
    // Anything unusual is left to the full parser.
    expect(parseFlatXml('<Message><MessageBody>a&amp;b</MessageBody></Message>')).toBeUndefined();
    expect(parseFlatXml('<Message><A>1</A><A>2</A></Message>')).toBeUndefined();
    expect(parseFlatXml('<Message><A>1</B></Message>')).toBeUndefined();
  });

  it('keeps CDATA text literal, with or without entities elsewhere in the body', () => {
    const body = (xml: string) => text(child(parseXml(xml), 'Message')!, 'MessageBody');
    expect(body('<Message><MessageBody><![CDATA[<x>]]></MessageBody></Message>')).toBe('<x>');
    expect(body('<Message><MessageBody>a &lt;<![CDATA[<&amp;>]]></MessageBody></Message>')).toBe(
      'a <<&amp;>',
    );
  });

  it('treats raw < and & in a body as MalformedXML', () => {
    expect(codeOf(() => parseXml('<Message><MessageBody>a<b&c</MessageBody></Message>'))).toBe(
      'MalformedXML',
    );
    expect(codeOf(() => parseXml('<Message><MessageBody>a&b</MessageBody></Message>'))).toBe(
      'MalformedXML',
    );
    expect(codeOf(() => parseXml(''))).toBe('MalformedXML');
  });

  it('reads the SDK’s `undefined` for an unset optional field as absent', () => {
    const parsed = parseSendBody(
      '<Message><MessageBody>x</MessageBody><DelaySeconds>undefined</DelaySeconds></Message>',
    );
    expect(parsed).toEqual({ batch: false, message: { body: 'x' } });
    expect(intField(' 7 ', 'Priority', 1, 16)).toBe(7);
    expect(codeOf(() => intField('1.5', 'Priority', 1, 16))).toBe('InvalidArgument');
  });

  it('parses queue attributes including LoggingEnabled in either case and the DLQ extension', () => {
    expect(
      parseQueueAttributes(
        '<Queue><VisibilityTimeout>60</VisibilityTimeout><LoggingEnabled>true</LoggingEnabled>' +
          '<x-queueflow-dead-letter-queue>dlq</x-queueflow-dead-letter-queue>' +
          '<x-queueflow-max-receive-count>5</x-queueflow-max-receive-count></Queue>',
      ),
    ).toEqual({
      VisibilityTimeout: 60,
      LoggingEnabled: true,
      DeadLetterQueue: 'dlq',
      MaxReceiveCount: 5,
    });
    expect(parseQueueAttributes('<Queue><LoggingEnabled>False</LoggingEnabled></Queue>')).toEqual({
      LoggingEnabled: false,
    });
  });

  it('matches query names case-insensitively and never turns + into a space', () => {
    const q = parseQuery('/queues/q/messages?receiptHandle=a+b/c%3D&VisibilityTimeout=10');
    expect(q.get('receipthandle')).toBe('a+b/c=');
    expect(q.get('visibilitytimeout')).toBe('10');
    expect(codeOf(() => parseQuery('/q?x=%E0%A4%A'))).toBe('InvalidQueryString');
  });

  it('issues URL-safe receipt handles that name their message and differ every time', () => {
    const a = newReceiptHandle(123456);
    const b = newReceiptHandle(123456);
    expect(a).toMatch(/^[0-9a-z-]+$/);
    expect(a).not.toBe(b);
    expect(parseReceiptHandle(a)).toBe(123456);
    expect(parseReceiptHandle('1-ODU4Ng==')).toBeUndefined();
    // A process-bound claim's handle is told apart by `p` where the hex starts, and
    // still names its message; no ordinary handle has it.
    const bound = newReceiptHandle(123456, true);
    expect(bound).toMatch(/^[0-9a-z]+-p[0-9a-f]{15}$/);
    expect(parseReceiptHandle(bound)).toBe(123456);
    expect(a).toMatch(/^[0-9a-z]+-[0-9a-f]{16}$/);
    expect(parseReceiptHandle(`${bound}0`)).toBeUndefined();
  });

  it('computes MessageBodyMD5 as upper-case hex over the UTF-8 body', () => {
    // The notification example at https://help.aliyun.com/document_detail/27482.html (the page
    // masks the last four digits; we computed them).
    expect(bodyMD5('{1:"a", 2:"b"}')).toBe('F1E92841751D795AB325861034B5CB55');
  });
});
