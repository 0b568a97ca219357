// Pure parts of the function runtime: no processes, no servers.
import { describe, expect, it } from 'vitest';
import { buildMnsCloudEvent, decodeBase64Body } from '../../../local/fc/cloud-event';
import { fcSignature, fcStringToSign } from '../../../local/fc/fc-signature';
import { newFcRequestId } from '../../../local/fc/request-id';

describe('the EventBridge MNS envelope', () => {
  it('decodes a base64 body and leaves raw JSON and binary bodies alone', () => {
    const json = '{"task_token":"t","task_type":"extract"}';
    expect(decodeBase64Body(Buffer.from(json).toString('base64'))).toBe(json);
    expect(decodeBase64Body(json)).toBe(json);
    expect(decodeBase64Body('TEST')).toBe('TEST');
    expect(decodeBase64Body('')).toBe('');
  });

  it('names the source after the function and trigger, and the subject after the queue', () => {
    const e = buildMnsCloudEvent({
      message: { messageId: 'M1', body: 'aGk=', enqueueTime: Date.UTC(2026, 0, 1) },
      queueName: 'q',
      functionName: 'fn',
      triggerName: 'tr',
      isBase64Decode: true,
      accountId: '1',
      region: 'cn-hangzhou',
      requestId: 'R',
      nowMs: Date.UTC(2026, 0, 1, 0, 0, 1),
    });
    expect(e).toMatchObject({
      source: 'MNS-fn-tr',
      aliyuneventbusname: 'MNS-fn-tr',
      subject: 'acs:mns:cn-hangzhou:1:queues/q',
      time: '2026-01-01T00:00:00.000Z',
      aliyunpublishtime: '2026-01-01T00:00:01.000Z',
      data: { requestId: 'R', messageId: 'M1', messageBody: 'hi' },
    });
  });
});

describe('the FC 2016-08-15 signature', () => {
  it('signs method, MD5, type, date, the sorted x-fc headers and the path', () => {
    const s = fcStringToSign('POST', '/2016-08-15/services/svc.LATEST/functions/fn/invocations', {
      'content-md5': 'YmI2Y2I1YzY4ZGY0NjUyOTQxY2FmNjUyYTM2NmYyZDg=',
      'content-type': 'application/octet-stream',
      date: 'Sat, 28 Nov 2026 17:31:21 GMT',
      'x-fc-log-type': 'Tail',
      'x-fc-account-id': '123456789',
      'x-fc-invocation-type': 'Sync',
      host: '127.0.0.1',
    });
    expect(s).toBe(
      [
        'POST',
        'YmI2Y2I1YzY4ZGY0NjUyOTQxY2FmNjUyYTM2NmYyZDg=',
        'application/octet-stream',
        'Sat, 28 Nov 2026 17:31:21 GMT',
        'x-fc-account-id:123456789',
        'x-fc-invocation-type:Sync',
        'x-fc-log-type:Tail',
        '/2016-08-15/services/svc.LATEST/functions/fn/invocations',
      ].join('\n'),
    );
    expect(fcSignature('secret', s)).toMatch(/^[A-Za-z0-9+/]{43}=$/);
  });
});

describe('FC request ids', () => {
  it('carry the time in hex seconds, as the cloud ids do', () => {
    const id = newFcRequestId(Date.UTC(2023, 8, 5, 6, 41, 11));
    expect(id).toMatch(/^1-64f6cd87-[0-9a-f]{8}-[0-9a-f]{12}$/);
  });
});
