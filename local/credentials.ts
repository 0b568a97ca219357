/**
 * The local stack's fixed identity. Local only: these are not secrets and are
 * printed by `queueflow local`. Every request is still signed and checked with
 * them, so the SDK code path is the real one.
 */
import { LOCAL_ACCOUNT_ID, LOCAL_CREDENTIALS, LOCAL_REGION } from '../shared/clients/config';

// One source of truth: the clients (shared/clients/config.ts) default to the
// same identity when pointed at a local endpoint.
export const LOCAL_ACCESS_KEY_ID = LOCAL_CREDENTIALS.accessKeyId;
export const LOCAL_ACCESS_KEY_SECRET = LOCAL_CREDENTIALS.accessKeySecret;
export { LOCAL_ACCOUNT_ID, LOCAL_REGION };

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
