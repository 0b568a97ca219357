import { type CredentialSource, ecsRamRoleCredentials } from './credential-source';

/**
 * The one place queueflow reads its environment. Everything else receives a
 * `QueueflowConfig` value, so tests pass plain objects instead of mutating
 * `process.env`.
 */

/** An AccessKey, optionally an STS one (FC context credentials carry a token). */
export interface Credentials {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken?: string;
}

/** The local stack's fixed, documented AccessKey (local use only). */
export const LOCAL_CREDENTIALS: Readonly<Credentials> = Object.freeze({
  accessKeyId: 'queueflow-local',
  accessKeySecret: 'queueflow-local-secret',
});

/** The local stack's fixed account and region. */
export const LOCAL_ACCOUNT_ID = '1000000000000000';
/** The local stack's region. */
export const LOCAL_REGION = 'cn-hangzhou';

/** Where the clients go and who they are. */
export interface QueueflowConfig {
  /** Local stack endpoint (FnF, MNS and FC on one port); absent in the cloud. */
  endpoint?: string;
  region?: string;
  accountId?: string;
  /** From ALIBABA_CLOUD_ACCESS_KEY_* env; FC context credentials take precedence. */
  credentials?: Credentials;
  /**
   * The RAM role attached to this ECS instance (ALIBABA_CLOUD_ECS_METADATA): its
   * STS credentials come from the metadata service and are refreshed before
   * they expire. Used when no AccessKey is set.
   */
  ecsRamRole?: {
    roleName: string;
    /** ALIBABA_CLOUD_IMDSV1_DISABLED=true: the hardened mode only. */
    imdsV1Disabled: boolean;
  };
  /** Use the MNS `-internal` endpoint (inside the region's VPC/classic network). */
  mnsInternal: boolean;
  /** Default flow for start-flow (`FLOW_NAME`). */
  flowName?: string;
  /** Default wait for start-flow (`QUEUEFLOW_WAIT_SECONDS`). */
  waitSeconds?: number;
  /** FC 2.0 service name used to reach FC 3.0 functions through fc2 (default `default`). */
  fcService: string;
}

/** A config problem, reported once at startup with what to set. */
export class ConfigError extends Error {
  readonly code = 'InvalidConfig';
  readonly retryable = false;
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** The environment as a plain string map (process.env or a test fixture). */
export type Env = Readonly<Record<string, string | undefined>>;

/** The first of `names` set (trimmed, non-empty) in `env`, with its value. */
function pickNamed(env: Env, ...names: string[]): { name: string; value: string } | undefined {
  for (const name of names) {
    const value = env[name]?.trim();
    if (value) return { name, value };
  }
  return undefined;
}

function pick(env: Env, ...names: string[]): string | undefined {
  return pickNamed(env, ...names)?.value;
}

/**
 * Checks a local stack endpoint: an http(s) URL with nothing after the host and
 * port (a trailing `/` is fine), as the SDKs append their own paths to it. Returns
 * it without the trailing `/`; throws a ConfigError naming `source`, the option or
 * variable the value came from.
 * @example checkEndpoint('http://127.0.0.1:9300/', '--endpoint'); // 'http://127.0.0.1:9300'
 */
export function checkEndpoint(value: string, source = 'QUEUEFLOW_ENDPOINT'): string {
  const text = value.trim();
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    // Reported below, with what to pass instead.
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || !url.host) {
    // `127.0.0.1:9300` or `localhost:9300`: the scheme is what is missing.
    const bare = /^[\w.-]+:\d+\/?$|^\[[\da-f:.]+\]:\d+\/?$/i.test(text);
    throw new ConfigError(
      `${source} must be an http(s) URL such as http://127.0.0.1:9300, got "${value}"` +
        (bare ? ` (with the scheme: http://${text.replace(/\/$/, '')})` : ''),
    );
  }
  // Named rather than quoted: the CLI cuts URL queries out of what it prints.
  const extra = [
    url.pathname !== '/' && `the path ${url.pathname}`,
    url.search && 'the query',
    url.hash && 'the fragment',
    (url.username || url.password) && 'the user name',
  ].filter(Boolean);
  if (extra.length > 0) {
    throw new ConfigError(
      `${source} must be the stack's URL alone: ${url.origin}, without ${extra.join(' or ')}` +
        ' (the MNS, FnF and FC APIs answer at the root; the console is at /console)',
    );
  }
  return url.origin;
}

/** A yes/no variable: unset or empty is no; anything but the words below is refused. */
function readFlag(env: Env, name: string): boolean {
  const v = pick(env, name);
  if (v === undefined || /^(0|false|no|off)$/i.test(v)) return false;
  if (/^(1|true|yes|on)$/i.test(v)) return true;
  throw new ConfigError(`${name} must be true or false (or 1/0, yes/no, on/off), got "${v}"`);
}

/** Region ids: cn-hangzhou, ap-southeast-1, cn-shanghai-finance-1. */
const REGION_ID = /^[a-z]+(-[a-z0-9]+)+$/;

/**
 * Reads the config from `env`, failing fast with a message naming the variable.
 * @example const config = loadConfig(process.env);
 */
export function loadConfig(env: Env): QueueflowConfig {
  const endpointText = pick(env, 'QUEUEFLOW_ENDPOINT');
  const endpoint =
    endpointText === undefined ? undefined : checkEndpoint(endpointText, 'QUEUEFLOW_ENDPOINT');
  const id = pick(env, 'ALIBABA_CLOUD_ACCESS_KEY_ID', 'ALIBABA_CLOUD_ACCESS_KEY');
  const secret = pick(env, 'ALIBABA_CLOUD_ACCESS_KEY_SECRET', 'ALIBABA_CLOUD_SECRET_KEY');
  if (Boolean(id) !== Boolean(secret)) {
    throw new ConfigError(
      'set both ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET, or neither',
    );
  }
  const token = pick(env, 'ALIBABA_CLOUD_SECURITY_TOKEN');
  const waitRaw = pick(env, 'QUEUEFLOW_WAIT_SECONDS');
  let waitSeconds: number | undefined;
  if (waitRaw !== undefined) {
    waitSeconds = Number(waitRaw);
    if (!Number.isFinite(waitSeconds) || waitSeconds < 0) {
      throw new ConfigError(`QUEUEFLOW_WAIT_SECONDS must be a number >= 0, got "${waitRaw}"`);
    }
  }
  const config: QueueflowConfig = {
    mnsInternal: readFlag(env, 'QUEUEFLOW_MNS_INTERNAL'),
    fcService: pick(env, 'QUEUEFLOW_FC_SERVICE') ?? 'default',
  };
  if (endpoint) config.endpoint = endpoint;
  const region = pickNamed(env, 'FC_REGION', 'ALIBABA_CLOUD_REGION', 'ALIBABA_CLOUD_REGION_ID');
  if (region && !REGION_ID.test(region.value)) {
    throw new ConfigError(
      `${region.name} must be a region id such as cn-hangzhou, got "${region.value}"`,
    );
  }
  if (region) config.region = region.value;
  const accountId = pick(env, 'FC_ACCOUNT_ID', 'ALIBABA_CLOUD_ACCOUNT_ID');
  if (accountId) config.accountId = accountId;
  // With a local stack the local key is the only one it accepts: a cloud
  // AccessKey exported in the shell would only get InvalidAccessKeyId there (and
  // send its id to a local port), so it is not used.
  if (id && secret && !endpoint) config.credentials = { accessKeyId: id, accessKeySecret: secret };
  if (config.credentials && token) config.credentials.securityToken = token;
  const role = pick(env, 'ALIBABA_CLOUD_ECS_METADATA');
  if (role && !config.credentials && !endpoint) {
    config.ecsRamRole = {
      roleName: role,
      imdsV1Disabled: readFlag(env, 'ALIBABA_CLOUD_IMDSV1_DISABLED'),
    };
  }
  const flowName = pick(env, 'FLOW_NAME');
  if (flowName) config.flowName = flowName;
  if (waitSeconds !== undefined) config.waitSeconds = waitSeconds;
  return config;
}

/** The parts of an FC invocation context that decide identity and place. */
export interface InvocationIdentity {
  region?: string;
  accountId?: string;
  credentials?: Partial<Credentials>;
}

/** Who and where, fully resolved: what the clients are built from. */
export interface ResolvedTarget {
  endpoint?: string;
  region: string;
  accountId: string;
  /** Fixed credentials, or a source of rotating ones (an ECS RAM role). */
  credentials: Credentials | CredentialSource;
  mnsInternal: boolean;
  fcService: string;
}

// One source per config: its cache is shared by every client built from it.
const roleSources = new WeakMap<object, CredentialSource>();
function roleSource(role: NonNullable<QueueflowConfig['ecsRamRole']>): CredentialSource {
  let source = roleSources.get(role);
  if (!source) {
    source = ecsRamRoleCredentials({
      roleName: role.roleName,
      imdsV1Disabled: role.imdsV1Disabled,
    });
    roleSources.set(role, source);
  }
  return source;
}

/**
 * Merges config and the FC context: context credentials (STS, with token) win,
 * then env credentials, then the ECS instance's RAM role, then the local ones
 * when an endpoint is set.
 */
export function resolveTarget(
  config: QueueflowConfig,
  context?: InvocationIdentity,
): ResolvedTarget {
  const local = config.endpoint !== undefined;
  const ctxCreds = context?.credentials;
  let credentials: Credentials | CredentialSource | undefined;
  if (ctxCreds?.accessKeyId && ctxCreds.accessKeySecret) {
    credentials = { accessKeyId: ctxCreds.accessKeyId, accessKeySecret: ctxCreds.accessKeySecret };
    if (ctxCreds.securityToken) credentials.securityToken = ctxCreds.securityToken;
  } else if (config.credentials) {
    credentials = { ...config.credentials };
  } else if (config.ecsRamRole && !local) {
    credentials = roleSource(config.ecsRamRole);
  } else if (local) {
    credentials = { ...LOCAL_CREDENTIALS };
  }
  const region = config.region ?? context?.region ?? (local ? LOCAL_REGION : undefined);
  const accountId =
    config.accountId ?? context?.accountId ?? (local ? LOCAL_ACCOUNT_ID : undefined);
  const missing: string[] = [];
  if (!credentials) {
    missing.push(
      'credentials (ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET, or ALIBABA_CLOUD_ECS_METADATA=<role> on ECS)',
    );
  }
  if (!region) missing.push('region (FC_REGION or ALIBABA_CLOUD_REGION)');
  if (!accountId) missing.push('account id (FC_ACCOUNT_ID or ALIBABA_CLOUD_ACCOUNT_ID)');
  if (!credentials || !region || !accountId) {
    throw new ConfigError(
      `missing ${missing.join(', ')}; for the local stack set QUEUEFLOW_ENDPOINT instead`,
    );
  }
  const target: ResolvedTarget = {
    region,
    accountId,
    credentials,
    mnsInternal: config.mnsInternal,
    fcService: config.fcService,
  };
  if (config.endpoint) target.endpoint = config.endpoint;
  return target;
}

/** The three service endpoints for a target (all the same URL locally). */
export function serviceEndpoints(target: ResolvedTarget): {
  flow: string;
  queue: string;
  functions: string;
} {
  if (target.endpoint) {
    return { flow: target.endpoint, queue: target.endpoint, functions: target.endpoint };
  }
  const r = target.region;
  return {
    flow: `https://${r}.fnf.aliyuncs.com`,
    queue: `http://${target.accountId}.mns.${r}${target.mnsInternal ? '-internal' : ''}.aliyuncs.com`,
    functions: `https://${target.accountId}.${r}.fc.aliyuncs.com`,
  };
}

/**
 * Memoises `build` per invocation identity (credentials and region): FC hands every
 * invocation the role's STS credentials, which rotate, so clients are rebuilt only
 * when they change.
 */
export function memoByIdentity<T>(
  build: (context?: InvocationIdentity) => T,
): (context?: InvocationIdentity) => T {
  let cached: { key: string; value: T } | undefined;
  return (context) => {
    const c = context?.credentials;
    const key = `${c?.accessKeyId ?? ''}|${c?.securityToken ?? ''}|${context?.region ?? ''}`;
    if (!cached || cached.key !== key) cached = { key, value: build(context) };
    return cached.value;
  };
}
