// encodeURIComponent leaves these five literal; RFC 3986 (and pop-core) escape them.
const SUB_DELIMS = /[!'()*]/;
const SUB_DELIMS_ALL = /[!'()*]/g;
const escapeSubDelim = (c: string) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`;

/**
 * POP RPC percent-encoding: encodeURIComponent plus ! ' ( ) * escaped, so only
 * A-Z a-z 0-9 - _ . ~ stay literal (RFC 3986), exactly as @alicloud/pop-core signs.
 */
export function popEncode(value: string): string {
  const encoded = encodeURIComponent(value);
  // Most values have none of the five: one scan instead of five replace passes.
  return SUB_DELIMS.test(encoded) ? encoded.replace(SUB_DELIMS_ALL, escapeSubDelim) : encoded;
}

/** The string the client signed: METHOD&%2F&encode(sorted canonical query). */
export function stringToSign(method: string, params: Readonly<Record<string, string>>): string {
  const keys = Object.keys(params).sort();
  let canonical = '';
  for (const k of keys) {
    if (k === 'Signature') continue;
    if (canonical !== '') canonical += '&';
    canonical += `${popEncode(k)}=${popEncode(params[k] ?? '')}`;
  }
  return `${method.toUpperCase()}&%2F&${popEncode(canonical)}`;
}
