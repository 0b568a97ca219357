/**
 * POP RPC percent-encoding: encodeURIComponent plus ! ' ( ) * escaped, so only
 * A-Z a-z 0-9 - _ . ~ stay literal (RFC 3986), exactly as @alicloud/pop-core signs.
 */
export function popEncode(value: string): string {
  return encodeURIComponent(value)
    .replace(/!/g, '%21')
    .replace(/'/g, '%27')
    .replace(/\(/g, '%28')
    .replace(/\)/g, '%29')
    .replace(/\*/g, '%2A');
}

/** The string the client signed: METHOD&%2F&encode(sorted canonical query). */
export function stringToSign(method: string, params: Readonly<Record<string, string>>): string {
  const canonical = Object.keys(params)
    .filter((k) => k !== 'Signature')
    .sort()
    .map((k) => `${popEncode(k)}=${popEncode(params[k] ?? '')}`)
    .join('&');
  return `${method.toUpperCase()}&${popEncode('/')}&${popEncode(canonical)}`;
}
