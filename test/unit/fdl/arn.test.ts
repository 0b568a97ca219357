import { describe, expect, it } from 'vitest';
import { formatResourceArn, parseResourceArn } from '../../../shared/fdl';

describe('parseResourceArn', () => {
  it('parses the documented MNS queue and topic forms, with or without region and account', () => {
    expect(parseResourceArn('acs:mns:::/queues/queueflow-tasks/messages')).toEqual({
      kind: 'mns-queue',
      queue: 'queueflow-tasks',
    });
    expect(parseResourceArn('acs:mns:cn-hangzhou:123:/topics/events/messages')).toEqual({
      kind: 'mns-topic',
      topic: 'events',
      region: 'cn-hangzhou',
      accountId: '123',
    });
  });

  it('parses FC service functions with a qualifier and FC 3.0 functions', () => {
    expect(parseResourceArn('acs:fc:::services/fnf_test.LATEST/functions/hello')).toEqual({
      kind: 'fc',
      serviceName: 'fnf_test',
      qualifier: 'LATEST',
      functionName: 'hello',
    });
    expect(parseResourceArn('acs:fc:cn-hangzhou:1:functions/task-worker')).toEqual({
      kind: 'fc',
      functionName: 'task-worker',
      region: 'cn-hangzhou',
      accountId: '1',
    });
  });

  it('parses child flows', () => {
    expect(parseResourceArn('acs:fnf:::flow/queueflow-demo')).toEqual({
      kind: 'fnf-flow',
      flowName: 'queueflow-demo',
    });
  });

  it('rejects near misses', () => {
    for (const arn of [
      'acs:mns:::/queues/q',
      'acs:mns:::queues/q/messages',
      'acs:mns:::/queue/q/messages',
      'acs:fnf:::flows/x',
      'acs:fc:::services/s/functions/',
      '!Ref svc/fn',
      '',
    ]) {
      expect(parseResourceArn(arn)).toBeUndefined();
    }
  });

  it('round-trips through formatResourceArn', () => {
    for (const arn of [
      'acs:mns:::/queues/q/messages',
      'acs:mns:r:a:/topics/t/messages',
      'acs:fc:::services/s.v1/functions/f',
      'acs:fc:::functions/f',
      'acs:fnf:::flow/x',
    ]) {
      expect(formatResourceArn(parseResourceArn(arn)!)).toBe(arn);
    }
  });
});
