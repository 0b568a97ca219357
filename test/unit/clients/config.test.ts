import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  checkEndpoint,
  LOCAL_CREDENTIALS,
  loadConfig,
  resolveTarget,
  serviceEndpoints,
} from '../../../shared/clients/config';
import { isCredentialSource } from '../../../shared/clients/credential-source';

describe('loadConfig', () => {
  it('needs nothing but QUEUEFLOW_ENDPOINT for the local stack', () => {
    const target = resolveTarget(loadConfig({ QUEUEFLOW_ENDPOINT: 'http://127.0.0.1:9300/' }));
    expect(target).toMatchObject({
      endpoint: 'http://127.0.0.1:9300',
      region: 'cn-hangzhou',
      accountId: '1000000000000000',
      credentials: LOCAL_CREDENTIALS,
    });
    expect(serviceEndpoints(target)).toEqual({
      flow: 'http://127.0.0.1:9300',
      queue: 'http://127.0.0.1:9300',
      functions: 'http://127.0.0.1:9300',
    });
  });

  it('builds the regional cloud endpoints from region and account', () => {
    const config = loadConfig({
      ALIBABA_CLOUD_REGION: 'cn-shanghai',
      ALIBABA_CLOUD_ACCOUNT_ID: '123456789',
      ALIBABA_CLOUD_ACCESS_KEY_ID: 'LTAIexample',
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'secret',
      ALIBABA_CLOUD_SECURITY_TOKEN: 'sts-token',
      QUEUEFLOW_MNS_INTERNAL: 'true',
    });
    const target = resolveTarget(config);
    expect(target.credentials).toEqual({
      accessKeyId: 'LTAIexample',
      accessKeySecret: 'secret',
      securityToken: 'sts-token',
    });
    expect(serviceEndpoints(target)).toEqual({
      flow: 'https://cn-shanghai.fnf.aliyuncs.com',
      queue: 'http://123456789.mns.cn-shanghai-internal.aliyuncs.com',
      functions: 'https://123456789.cn-shanghai.fc.aliyuncs.com',
    });
  });

  it('takes an ECS instance RAM role when no AccessKey is set, one credential source per config', () => {
    const env = {
      ALIBABA_CLOUD_REGION: 'cn-shanghai',
      ALIBABA_CLOUD_ACCOUNT_ID: '123456789',
      ALIBABA_CLOUD_ECS_METADATA: 'queueflow-worker',
      ALIBABA_CLOUD_IMDSV1_DISABLED: 'true',
    };
    const config = loadConfig(env);
    expect(config.ecsRamRole).toEqual({ roleName: 'queueflow-worker', imdsV1Disabled: true });
    const { credentials } = resolveTarget(config);
    expect(isCredentialSource(credentials)).toBe(true);
    expect(isCredentialSource(credentials) && credentials.description).toBe(
      'ECS RAM role queueflow-worker',
    );
    // Every client built from this config shares the source (and its cache).
    expect(resolveTarget(config).credentials).toBe(credentials);
    // An AccessKey wins; a local endpoint uses the local key.
    const withKey = loadConfig({
      ...env,
      ALIBABA_CLOUD_ACCESS_KEY_ID: 'LTAIexample',
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'secret',
    });
    expect(withKey.ecsRamRole).toBeUndefined();
    const local = loadConfig({ ...env, QUEUEFLOW_ENDPOINT: 'http://127.0.0.1:9300' });
    expect(resolveTarget(local).credentials).toEqual(LOCAL_CREDENTIALS);
  });

  it('uses the local key with a local endpoint even when a cloud AccessKey is exported', () => {
    const config = loadConfig({
      QUEUEFLOW_ENDPOINT: 'http://127.0.0.1:9300',
      ALIBABA_CLOUD_ACCESS_KEY_ID: 'LTAIcloud',
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'cloud-secret',
    });
    expect(resolveTarget(config).credentials).toEqual({
      accessKeyId: 'queueflow-local',
      accessKeySecret: 'queueflow-local-secret',
    });
  });

  it('prefers the FC context credentials (with their STS token) over env keys', () => {
    const config = loadConfig({
      FC_REGION: 'cn-hangzhou',
      FC_ACCOUNT_ID: '42',
      ALIBABA_CLOUD_ACCESS_KEY_ID: 'env-id',
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'env-secret',
    });
    const target = resolveTarget(config, {
      credentials: { accessKeyId: 'STS.ctx', accessKeySecret: 'ctx-secret', securityToken: 'tok' },
    });
    expect(target.credentials).toEqual({
      accessKeyId: 'STS.ctx',
      accessKeySecret: 'ctx-secret',
      securityToken: 'tok',
    });
  });

  it('takes region and account from the FC context when the env has none', () => {
    const target = resolveTarget(loadConfig({}), {
      region: 'cn-beijing',
      accountId: '77',
      credentials: { accessKeyId: 'a', accessKeySecret: 'b' },
    });
    expect(serviceEndpoints(target).flow).toBe('https://cn-beijing.fnf.aliyuncs.com');
  });

  it('fails fast, naming what is missing, in the cloud without credentials', () => {
    expect(() => resolveTarget(loadConfig({ FC_REGION: 'cn-hangzhou' }))).toThrow(ConfigError);
    expect(() => resolveTarget(loadConfig({ FC_REGION: 'cn-hangzhou' }))).toThrow(
      /ALIBABA_CLOUD_ACCESS_KEY_ID.*FC_ACCOUNT_ID.*QUEUEFLOW_ENDPOINT/,
    );
  });

  it('rejects a malformed endpoint, half a key pair and a bad wait', () => {
    expect(() => loadConfig({ QUEUEFLOW_ENDPOINT: 'localhost:9300' })).toThrow(/http\(s\) URL/);
    expect(() => loadConfig({ ALIBABA_CLOUD_ACCESS_KEY_ID: 'x' })).toThrow(/both/);
    expect(() => loadConfig({ QUEUEFLOW_WAIT_SECONDS: 'soon' })).toThrow(/QUEUEFLOW_WAIT_SECONDS/);
  });

  it('refuses a yes/no variable it cannot read, instead of taking it as no', () => {
    expect(() => loadConfig({ QUEUEFLOW_MNS_INTERNAL: 'ture' })).toThrow(
      'QUEUEFLOW_MNS_INTERNAL must be true or false (or 1/0, yes/no, on/off), got "ture"',
    );
    expect(() =>
      loadConfig({ ALIBABA_CLOUD_ECS_METADATA: 'role', ALIBABA_CLOUD_IMDSV1_DISABLED: 'yep' }),
    ).toThrow(ConfigError);
    expect(loadConfig({ QUEUEFLOW_MNS_INTERNAL: 'On' }).mnsInternal).toBe(true);
    expect(loadConfig({ QUEUEFLOW_MNS_INTERNAL: 'no' }).mnsInternal).toBe(false);
    expect(loadConfig({ QUEUEFLOW_MNS_INTERNAL: '' }).mnsInternal).toBe(false);
    const role = loadConfig({
      ALIBABA_CLOUD_ECS_METADATA: 'r',
      ALIBABA_CLOUD_IMDSV1_DISABLED: '1',
    });
    expect(role.ecsRamRole?.imdsV1Disabled).toBe(true);
  });

  it('refuses a region that is not a region id, naming the variable it came from', () => {
    expect(() => loadConfig({ ALIBABA_CLOUD_REGION: 'cn hangzhou' })).toThrow(
      'ALIBABA_CLOUD_REGION must be a region id such as cn-hangzhou, got "cn hangzhou"',
    );
    expect(() => loadConfig({ FC_REGION: 'https://cn-hangzhou' })).toThrow(/^FC_REGION must/);
    for (const region of ['cn-hangzhou', 'ap-southeast-1', 'cn-shanghai-finance-1']) {
      expect(loadConfig({ FC_REGION: region }).region).toBe(region);
    }
  });

  it('reads the start-flow defaults', () => {
    const config = loadConfig({ FLOW_NAME: 'queueflow-demo', QUEUEFLOW_WAIT_SECONDS: '20' });
    expect(config).toMatchObject({
      flowName: 'queueflow-demo',
      waitSeconds: 20,
      fcService: 'default',
    });
  });
});

describe('checkEndpoint', () => {
  it('takes an http(s) origin, with or without the trailing slash', () => {
    expect(checkEndpoint('http://127.0.0.1:9300/')).toBe('http://127.0.0.1:9300');
    expect(checkEndpoint(' http://queueflow:9300 ')).toBe('http://queueflow:9300');
    expect(checkEndpoint('http://[::1]:9300')).toBe('http://[::1]:9300');
    expect(checkEndpoint('https://1.cn-hangzhou.fnf.aliyuncs.com')).toBe(
      'https://1.cn-hangzhou.fnf.aliyuncs.com',
    );
  });

  it('refuses a value without the scheme, naming where it came from and the fix', () => {
    expect(() => checkEndpoint('127.0.0.1:9300', '--endpoint')).toThrow(
      '--endpoint must be an http(s) URL such as http://127.0.0.1:9300, got "127.0.0.1:9300" (with the scheme: http://127.0.0.1:9300)',
    );
    expect(() => checkEndpoint('localhost:9300')).toThrow(/^QUEUEFLOW_ENDPOINT must be/);
    expect(() => checkEndpoint('ftp://h:1')).toThrow(ConfigError);
    expect(() => checkEndpoint('')).toThrow(ConfigError);
  });

  it('refuses a path, query or user name: the SDKs append their own paths', () => {
    expect(() => checkEndpoint('http://127.0.0.1:9300/console', '--endpoint')).toThrow(
      "--endpoint must be the stack's URL alone: http://127.0.0.1:9300, without the path /console",
    );
    for (const bad of ['http://h:1/?a=1', 'http://h:1/#x', 'http://u:p@h:1', 'http://h:1//']) {
      expect(() => checkEndpoint(bad), bad).toThrow(ConfigError);
    }
  });

  it('is what loadConfig checks QUEUEFLOW_ENDPOINT with', () => {
    expect(() => loadConfig({ QUEUEFLOW_ENDPOINT: 'http://127.0.0.1:9300/console' })).toThrow(
      /^QUEUEFLOW_ENDPOINT must be the stack's URL alone/,
    );
  });
});
