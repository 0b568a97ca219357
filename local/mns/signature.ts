import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { SecretLookup } from '../credentials';
import { MnsError } from './errors';
import { md5Hex } from './ids';

/** The cloud rejects requests more than 15 minutes from its own time. */
const MAX_SKEW_MS = 15 * 60 * 1000;

/**
 * The MNS string to sign (https://help.aliyun.com/document_detail/27487.html):
 * VERB, Content-MD5, Content-Type, Date, the sorted `x-mns-*` headers, then the
 * resource exactly as on the request line (raw `req.url`: never decoded or
 * re-sorted; checked locally against @alicloud/mns 1.2.0's signatures).
 */
export function mnsStringToSign(req: IncomingMessage): string {
  const h = req.headers;
  const mnsHeaders = Object.keys(h)
    .filter((k) => k.startsWith('x-mns-'))
    .sort()
    .map((k) => `${k}:${headerValue(h[k])}\n`)
    .join('');
  return `${req.method}\n${headerValue(h['content-md5'])}\n${headerValue(h['content-type'])}\n${requestDate(req)}\n${mnsHeaders}${req.url ?? '/'}`;
}

/**
 * `Date`, or `x-mns-date` standing in for it when a client cannot set Date
 * (https://help.aliyun.com/document_detail/27487.html).
 */
function requestDate(req: IncomingMessage): string {
  return headerValue(req.headers.date) || headerValue(req.headers['x-mns-date']);
}

/**
 * Checks `Authorization: MNS id:signature`, the Date and the version header.
 * The Date is compared with real time, not the injected Clock: it is the
 * client's wall clock, and a VirtualClock may sit anywhere.
 */
export function verifyMnsRequest(req: IncomingMessage, secrets: SecretLookup): void {
  const auth = headerValue(req.headers.authorization);
  if (!auth) throw new MnsError('MissingAuthorizationHeader');
  const m = /^MNS ([^:\s]+):(\S+)$/.exec(auth);
  if (!m) throw new MnsError('InvalidAuthorizationHeader');
  const secret = secrets(m[1]!);
  if (secret === undefined) throw new MnsError('InvalidAccessKeyId');
  if (!req.headers['x-mns-version']) throw new MnsError('MissingVersionHeader');
  const date = requestDate(req);
  if (!date) throw new MnsError('MissingDateHeader');
  const at = Date.parse(date);
  if (Number.isNaN(at)) throw new MnsError('InvalidDateHeader');
  if (Math.abs(Date.now() - at) > MAX_SKEW_MS) throw new MnsError('TimeExpired');
  const expected = createHmac('sha1', secret).update(mnsStringToSign(req), 'utf8').digest();
  const given = Buffer.from(m[2]!, 'base64');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new MnsError('SignatureDoesNotMatch');
  }
}

/**
 * Checks Content-MD5 when present. The official SDKs send base64 of the HEX
 * digest (@alicloud/mns 1.2.0, aliyun-mns-python-sdk and aliyun-mns-go-sdk all do);
 * RFC 1864's base64 of the raw digest is accepted too.
 */
export function verifyContentMd5(req: IncomingMessage, body: Buffer): void {
  const given = headerValue(req.headers['content-md5']);
  if (!given) return;
  const hex = md5Hex(body);
  // The SDKs' spelling first: one encode, and the usual request is done.
  if (given === Buffer.from(hex, 'latin1').toString('base64')) return;
  const accepted = [
    Buffer.from(hex.toUpperCase(), 'latin1').toString('base64'),
    Buffer.from(hex, 'hex').toString('base64'),
  ];
  if (!accepted.includes(given)) throw new MnsError('InvalidDegist');
}

function headerValue(v: string | string[] | undefined): string {
  if (v === undefined) return '';
  return Array.isArray(v) ? v.join(',') : v;
}
