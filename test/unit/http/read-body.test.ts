// readBody against a fake IncomingMessage: a Readable with the request's headers,
// pushed and destroyed by hand, so each way a body can end is exercised alone.
import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { BodyTooLargeError, RequestAbortedError, readBody } from '../../../local/http/route';

function fakeRequest(headers: Record<string, string> = { 'content-length': '1000' }) {
  const stream = new Readable({ read() {} });
  return Object.assign(stream, { headers }) as unknown as IncomingMessage & Readable;
}

/** Resolves with how the promise settled, or 'pending' if it has not within the deadline. */
async function outcome(p: Promise<Buffer>, deadlineMs = 500): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const pending = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve('pending'), deadlineMs);
  });
  const settled = p.then(
    (b) => `resolved:${b.toString('utf8')}`,
    (e: Error) => `rejected:${e.name}`,
  );
  try {
    return await Promise.race([settled, pending]);
  } finally {
    clearTimeout(timer);
  }
}

describe('readBody', () => {
  it('resolves with the whole body once the request ends', async () => {
    const req = fakeRequest();
    const p = readBody(req);
    req.push('hello ');
    req.push('world');
    req.push(null);
    expect(await outcome(p)).toBe('resolved:hello world');
  });

  it('resolves empty without reading when the request declares no body', async () => {
    const req = fakeRequest({});
    expect(await outcome(readBody(req))).toBe('resolved:');
  });

  it('rejects with RequestAbortedError when the request closes before its body ended', async () => {
    const req = fakeRequest();
    const p = readBody(req);
    req.push('0123456789');
    // A server-side destroy() without an error emits 'close' and no 'error'.
    req.destroy();
    expect(await outcome(p)).toBe('rejected:RequestAbortedError');
  });

  it('rejects with RequestAbortedError carrying the cause when the stream errors', async () => {
    const req = fakeRequest();
    const p = readBody(req);
    const cause = Object.assign(new Error('aborted'), { code: 'ECONNRESET' });
    req.destroy(cause);
    const err = await p.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RequestAbortedError);
    expect((err as RequestAbortedError).cause).toBe(cause);
    expect((err as RequestAbortedError).code).toBe('RequestAborted');
  });

  it('rejects at once when the request was already destroyed before it was called', async () => {
    const req = fakeRequest();
    req.on('error', () => {});
    req.destroy(new Error('aborted'));
    await new Promise((resolve) => req.once('close', resolve));
    expect(await outcome(readBody(req))).toBe('rejected:RequestAbortedError');
  });

  it('rejects at once when the body was already read to its end', async () => {
    const req = fakeRequest();
    req.push('x');
    req.push(null);
    await readBody(req);
    expect(await outcome(readBody(req))).toBe('rejected:RequestAbortedError');
  });

  it('settles exactly once: an end after an error changes nothing', async () => {
    const req = fakeRequest();
    const p = readBody(req);
    const results: string[] = [];
    p.then(
      () => results.push('resolved'),
      () => results.push('rejected'),
    );
    req.emit('error', new Error('boom'));
    req.emit('end');
    req.emit('close');
    await p.catch(() => {});
    await new Promise((resolve) => setImmediate(resolve));
    expect(results).toEqual(['rejected']);
  });

  it('rejects an oversized body with BodyTooLargeError and drains the rest', async () => {
    const req = fakeRequest();
    const p = readBody(req, 8);
    req.push('0123456789');
    expect(await outcome(p)).toBe('rejected:BodyTooLargeError');
    const err = await p.catch((e: unknown) => e);
    expect((err as BodyTooLargeError).limit).toBe(8);
    // Draining means the stream keeps flowing to its end although nobody buffers it.
    const ended = new Promise<boolean>((resolve) => req.once('end', () => resolve(true)));
    req.push('more bytes');
    req.push(null);
    expect(await ended).toBe(true);
    expect(req.readableFlowing).toBe(true);
  });

  it('does not turn a close after an oversized body into a second settlement', async () => {
    const req = fakeRequest();
    const p = readBody(req, 4);
    req.push('too long');
    req.destroy();
    const err = await p.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BodyTooLargeError);
  });
});
