/**
 * The local stack's fixed identity. Local only: these are not secrets and are
 * printed by `queueflow local`. Every request is still signed and checked with
 * them, so the SDK code path is the real one.
 */
export const LOCAL_ACCESS_KEY_ID = 'queueflow-local';
export const LOCAL_ACCESS_KEY_SECRET = 'queueflow-local-secret';
export const LOCAL_ACCOUNT_ID = '1000000000000000';
export const LOCAL_REGION = 'cn-hangzhou';

/** An AccessKey pair the local stack accepts. */
export interface AccessKey {
  accessKeyId: string;
  accessKeySecret: string;
}

/** Looks up the secret for an AccessKeyId; undefined when unknown. */
export type SecretLookup = (accessKeyId: string) => string | undefined;

/** A lookup over a fixed list of keys (by default the local pair). */
export function createSecretLookup(
  keys: readonly AccessKey[] = [
    { accessKeyId: LOCAL_ACCESS_KEY_ID, accessKeySecret: LOCAL_ACCESS_KEY_SECRET },
  ],
): SecretLookup {
  const map = new Map(keys.map((k) => [k.accessKeyId, k.accessKeySecret]));
  return (id) => map.get(id);
}
