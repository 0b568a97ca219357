import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeMnsQueueEvent, EventDecodeError } from '../../../functions/task-worker/mns-events';
import { decodeTaskMessage } from '../../../shared/task/envelope';

const fixture = (name: string) =>
  readFileSync(join(import.meta.dirname, '../../fixtures/events', name));

describe('decodeMnsQueueEvent', () => {
  it('decodes a single CloudEvent (event mode), given as the Buffer FC passes', () => {
    const { messages, undecodable } = decodeMnsQueueEvent(fixture('mns-queue-single.json'));
    expect(undecodable).toEqual([]);
    expect(messages).toHaveLength(1);
    expect(messages[0]?.messageId).toBe('C6DB60D1574661357FA227277445****');
    expect(decodeTaskMessage(messages[0]?.body ?? '').taskType).toBe('extract');
  });

  it('decodes a batch (event-streaming mode) in order', () => {
    const { messages } = decodeMnsQueueEvent(fixture('mns-queue-batch.json'));
    expect(messages.map((m) => decodeTaskMessage(m.body).taskType)).toEqual([
      'extract',
      'transform',
      'load',
    ]);
    expect(decodeTaskMessage(messages[1]?.body ?? '').token).toBe('tok-transform-1');
  });

  it('keeps a message that appears twice in one batch once', () => {
    const one = { messageId: 'M1', messageBody: '{"task_type":"extract"}' };
    const other = { messageId: 'M2', messageBody: '{"task_type":"load"}' };
    const { messages } = decodeMnsQueueEvent(
      JSON.stringify([{ data: one }, { data: other }, { data: one }]),
    );
    expect(messages.map((m) => m.messageId)).toEqual(['M1', 'M2']);
  });

  it('passes a base64 body through for the envelope to decode (IsBase64Decode false)', () => {
    const { messages } = decodeMnsQueueEvent(fixture('mns-queue-base64.json'));
    expect(messages[0]?.body).toMatch(/^eyJ/);
    expect(decodeTaskMessage(messages[0]?.body ?? '').token).toBe('tok-extract-1');
  });

  it('decodes RawData push format (bare data objects)', () => {
    const { messages } = decodeMnsQueueEvent(fixture('mns-queue-rawdata.json'));
    expect(messages).toEqual([
      {
        messageId: 'C6DB60D1574661357FA2272774450005',
        body: expect.stringContaining('tok-extract-1'),
      },
    ]);
  });

  it('counts elements without a message body instead of failing the batch', () => {
    const event = JSON.stringify([{ data: { messageBody: '{}' } }, { data: {} }, 7]);
    const { messages, undecodable } = decodeMnsQueueEvent(event);
    expect(messages).toHaveLength(1);
    expect(undecodable).toEqual([
      { index: 1, reason: 'no data.messageBody' },
      { index: 2, reason: 'not an object' },
    ]);
  });

  it('rejects an event that is not JSON', () => {
    expect(() => decodeMnsQueueEvent(Buffer.from('hello'))).toThrow(EventDecodeError);
    expect(() => decodeMnsQueueEvent('42')).toThrow(/CloudEvent object or an array/);
  });
});
