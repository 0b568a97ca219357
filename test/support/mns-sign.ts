import { createHash, createHmac } from 'node:crypto';

/**
 * The headers of one signed MNS request: the given ones, with `date`,
 * `x-mns-version` and, for a body, `content-type` and `content-md5` (base64 of
 * the hex digest, as the SDK sends it) filled in when absent, then
 * `authorization` over them. Written from the documented string to sign,
 * independently of the server's own code.
 */
export function signMnsHeaders(options: {
  accessKeyId: string;
  accessKeySecret: string;
  method: string;
  /** Path and raw query, exactly as it goes on the request line. */
  resource: string;
  body?: string;
  headers?: Record<string, string>;
}): Record<string, string> {
  const headers: Record<string, string> = { ...options.headers };
  headers.date ??= new Date().toUTCString();
  headers['x-mns-version'] ??= '2015-06-06';
  if (options.body !== undefined) {
    headers['content-type'] ??= 'text/xml;charset=utf-8';
    headers['content-md5'] ??= Buffer.from(
      createHash('md5').update(options.body, 'utf8').digest('hex'),
    ).toString('base64');
  }
  const canonical = Object.keys(headers)
    .filter((k) => k.startsWith('x-mns-'))
    .sort()
    .map((k) => `${k}:${headers[k]}\n`)
    .join('');
  const toSign = `${options.method}\n${headers['content-md5'] ?? ''}\n${headers['content-type'] ?? ''}\n${headers.date}\n${canonical}${options.resource}`;
  const signature = createHmac('sha1', options.accessKeySecret).update(toSign).digest('base64');
  headers.authorization = `MNS ${options.accessKeyId}:${signature}`;
  return headers;
}

/**
 * Signs and sends one raw MNS request with fetch, independently of the SDK and
 * of the server's own code: for bodies the SDK cannot send (escaped XML) and
 * for header edge cases.
 */
export async function signedFetch(
  options: Parameters<typeof signMnsHeaders>[0] & { endpoint: string; signal?: AbortSignal },
): Promise<{ status: number; contentType: string; headers: Headers; text: string }> {
  const date = new Date().toUTCString();
  const headers = signMnsHeaders({
    ...options,
    headers: { date, 'x-mns-date': date, ...options.headers },
  });
  const res = await fetch(`${options.endpoint}${options.resource}`, {
    method: options.method,
    headers,
    ...(options.body !== undefined ? { body: options.body } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  return {
    status: res.status,
    contentType: res.headers.get('content-type') ?? '',
    headers: res.headers,
    text: await res.text(),
  };
}
