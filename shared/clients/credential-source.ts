import type { Credentials } from './config';

/**
 * Credentials that change over time (an ECS instance RAM role's STS token).
 * The clients ask before each call; a source answers from its cache until the
 * credentials are about to expire.
 */
export interface CredentialSource {
  readonly kind: 'source';
  /** What the credentials are, for messages (never the secret). */
  readonly description: string;
  get(): Promise<Credentials>;
}

/** Credentials could not be had (the metadata service is down, the role is wrong). */
export class CredentialsUnavailableError extends Error {
  readonly code = 'CredentialsUnavailable';
  /** Retryable: the metadata service may answer on the next call. */
  readonly retryable = true;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CredentialsUnavailableError';
  }
}

/** True when `c` is a CredentialSource to ask before each call, not fixed credentials. */
export function isCredentialSource(c: Credentials | CredentialSource): c is CredentialSource {
  return (c as CredentialSource).kind === 'source';
}

/**
 * An SDK client for the current credentials: built once for fixed ones; for a
 * source, built again whenever it hands out different ones (key id, secret or
 * token). A call in flight keeps the client it started with.
 */
export function clientForCredentials<T>(
  credentials: Credentials | CredentialSource,
  build: (c: Credentials) => T,
): () => T | Promise<T> {
  if (!isCredentialSource(credentials)) {
    const client = build(credentials);
    return () => client;
  }
  let current: { key: string; client: T } | undefined;
  return async () => {
    const c = await credentials.get();
    const key = `${c.accessKeyId}\n${c.accessKeySecret}\n${c.securityToken ?? ''}`;
    if (current?.key !== key) current = { key, client: build(c) };
    return current.client;
  };
}

/** The ECS metadata service (plain HTTP on a link-local address, by design). */
export const ECS_METADATA_ENDPOINT = 'http://100.100.100.200';

/** How ecsRamRoleCredentials reaches the metadata service and when it fetches again. */
export interface EcsRamRoleOptions {
  /** The name of the RAM role attached to the instance (ALIBABA_CLOUD_ECS_METADATA). */
  roleName: string;
  /** Refuse the token-less (IMDSv1) request when the hardened mode fails. */
  imdsV1Disabled?: boolean;
  /** Tests point this at a local fake. Default ECS_METADATA_ENDPOINT. */
  endpoint?: string;
  /** Fetch again once the credentials expire within this long. Default 15 min. */
  refreshMarginMs?: number;
  /** At most one fetch this often, even when the service hands out short-lived credentials. Default 60 s. */
  minRefreshIntervalMs?: number;
  /** Per request. Default 5 s. */
  timeoutMs?: number;
  now?: () => number;
}

interface Cached {
  credentials: Credentials;
  expiresAt: number;
  fetchedAt: number;
}

/**
 * The STS credentials of the RAM role attached to this ECS instance, from the
 * metadata service: the hardened mode first (PUT /latest/api/token, then the
 * token in `X-aliyun-ecs-metadata-token`), the plain GET if that fails and
 * IMDSv1 is allowed. Cached until 15 minutes before they expire; a failed
 * refresh keeps the cached credentials while they are still valid.
 * @example const source = ecsRamRoleCredentials({ roleName: 'queueflow-worker' });
 */
export function ecsRamRoleCredentials(options: EcsRamRoleOptions): CredentialSource {
  const endpoint = (options.endpoint ?? ECS_METADATA_ENDPOINT).replace(/\/+$/, '');
  const now = options.now ?? Date.now;
  const margin = options.refreshMarginMs ?? 15 * 60_000;
  const minInterval = options.minRefreshIntervalMs ?? 60_000;
  const timeoutMs = options.timeoutMs ?? 5_000;
  const role = options.roleName;
  const description = `ECS RAM role ${role}`;
  let cached: Cached | undefined;
  let inFlight: Promise<Credentials> | undefined;

  async function request(path: string, init: RequestInit): Promise<Response> {
    return fetch(`${endpoint}${path}`, { ...init, signal: AbortSignal.timeout(timeoutMs) });
  }

  /** The hardened mode's token; undefined means: fall back to the plain GET (IMDSv1). */
  async function metadataToken(): Promise<string | undefined> {
    let problem: string;
    try {
      const res = await request('/latest/api/token', {
        method: 'PUT',
        headers: { 'X-aliyun-ecs-metadata-token-ttl-seconds': '21600' },
      });
      if (res.ok) return (await res.text()).trim();
      await res.body?.cancel();
      problem = `HTTP ${res.status}`;
    } catch (err) {
      problem = (err as Error).message;
    }
    if (options.imdsV1Disabled) {
      throw new CredentialsUnavailableError(
        `${description}: no metadata token (${problem}) and IMDSv1 is disabled`,
      );
    }
    return undefined;
  }

  async function fetchCredentials(): Promise<Cached> {
    const token = await metadataToken();
    let res: Response;
    let text: string;
    try {
      res = await request(
        `/latest/meta-data/ram/security-credentials/${encodeURIComponent(role)}`,
        {
          headers: token ? { 'X-aliyun-ecs-metadata-token': token } : {},
        },
      );
      // Inside the try: a body that stalls (the timeout) or breaks off is the
      // same retryable failure as no answer at all.
      text = await res.text();
    } catch (err) {
      throw new CredentialsUnavailableError(
        `${description}: the metadata service did not answer (${(err as Error).message})`,
        { cause: err },
      );
    }
    if (!res.ok) {
      throw new CredentialsUnavailableError(
        `${description}: the metadata service answered HTTP ${res.status}${res.status === 404 ? ' (is the role attached to this instance?)' : ''}`,
      );
    }
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      throw new CredentialsUnavailableError(`${description}: the answer is not JSON`);
    }
    const { AccessKeyId, AccessKeySecret, SecurityToken, Expiration, Code } = body;
    if (Code !== undefined && Code !== 'Success') {
      throw new CredentialsUnavailableError(`${description}: the answer's Code is ${String(Code)}`);
    }
    const expiresAt = typeof Expiration === 'string' ? Date.parse(Expiration) : Number.NaN;
    const filled = (v: unknown): v is string => typeof v === 'string' && v !== '';
    if (
      !filled(AccessKeyId) ||
      !filled(AccessKeySecret) ||
      !filled(SecurityToken) ||
      !Number.isFinite(expiresAt)
    ) {
      throw new CredentialsUnavailableError(
        `${description}: the answer lacks AccessKeyId, AccessKeySecret, SecurityToken or a valid Expiration`,
      );
    }
    return {
      credentials: {
        accessKeyId: AccessKeyId,
        accessKeySecret: AccessKeySecret,
        securityToken: SecurityToken,
      },
      expiresAt,
      fetchedAt: now(),
    };
  }

  function refresh(): Promise<Credentials> {
    inFlight ??= fetchCredentials()
      .then(
        (fresh) => {
          cached = fresh;
          return fresh.credentials;
        },
        (err: unknown) => {
          // Still valid: keep working on them, and try again on a later call.
          if (cached && cached.expiresAt > now()) {
            cached.fetchedAt = now();
            return cached.credentials;
          }
          // Whatever went wrong, callers see one retryable kind of error.
          throw err instanceof CredentialsUnavailableError
            ? err
            : new CredentialsUnavailableError(`${description}: ${(err as Error).message}`, {
                cause: err,
              });
        },
      )
      .finally(() => {
        inFlight = undefined;
      });
    return inFlight;
  }

  return {
    kind: 'source',
    description,
    async get() {
      const t = now();
      if (
        cached &&
        (cached.expiresAt - t > margin ||
          (t - cached.fetchedAt < minInterval && cached.expiresAt > t))
      ) {
        return cached.credentials;
      }
      return refresh();
    },
  };
}
