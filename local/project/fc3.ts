import { resolve as resolvePath } from 'node:path';
import {
  type AsyncInvokeSettings,
  FC_ASYNC_INVOKE_DEFAULTS,
  type ProjectFunction,
  type ProjectTrigger,
} from './model';
import { createPropsReader, type PropsReader } from './props-reader';
import { defaultPushRetryPolicy, PUSH_RETRY_KEYS, readPushRetryPolicy } from './run-options';
import { isRecord, type NodePath, type YamlSource } from './yaml-source';

/** The Node.js versions fc3's schema deploys (its runtime enum). */
const FC3_NODE_RUNTIMES = new Set([
  'nodejs8',
  'nodejs10',
  'nodejs12',
  'nodejs14',
  'nodejs16',
  'nodejs18',
  'nodejs20',
]);

/**
 * Reads one `component: fc3` resource's resolved props into a ProjectFunction,
 * or undefined (with a warning saying so) for a function the local stack
 * cannot run: only Node.js event functions run here, in Node.js processes.
 */
export function readFc3Function(options: {
  source: YamlSource;
  resource: string;
  /** The resolved props. */
  props: unknown;
  /** The s.yaml folder: fc3 resolves `code` against it (not against the CWD). */
  baseDir: string;
  warnings: string[];
}): ProjectFunction | undefined {
  const { source, resource, baseDir, warnings } = options;
  const path: NodePath = ['resources', resource, 'props'];
  const p = createPropsReader(source, path, options.props);
  const region = p.string('region');
  const runtime = p.string('runtime');
  const functionName = p.string('functionName');
  if (!runtime.startsWith('nodejs')) {
    // Python, Java, Go, PHP, .NET, custom runtimes (an HTTP server of their own)
    // and containers: the rest of the project still runs.
    warnings.push(
      `${functionName}: runtime ${runtime} does not run on the local stack (Node.js event functions only); the function is not started`,
    );
    return undefined;
  }
  if (!FC3_NODE_RUNTIMES.has(runtime)) {
    warnings.push(
      `${functionName}: runtime ${runtime} is not one fc3 deploys (nodejs8 to nodejs20): \`s deploy\` would refuse it; it runs here on Node.js ${process.versions.node}`,
    );
  } else if (runtime !== 'nodejs18' && runtime !== 'nodejs20') {
    warnings.push(`${functionName}: ${runtime} runs here on Node.js ${process.versions.node}`);
  }
  const code = p.value.code;
  if (typeof code !== 'string' || code === '') {
    throw p.error(
      'must be the path of the built code folder (OSS code cannot run locally)',
      'code',
    );
  }
  if (/^https?:\/\//.test(code)) throw p.error('a code URL cannot run locally', 'code');
  if (/\.(zip|jar)$/i.test(code)) {
    throw p.error(
      `${code} is an archive: the local stack runs a code folder; point code at the folder the archive is built from`,
      'code',
    );
  }
  if (p.has('layers')) {
    warnings.push(`${functionName}: layers are not mounted locally; bundle what they provide`);
  }
  const fn: ProjectFunction = {
    resource,
    name: functionName,
    runtime,
    codeDir: resolvePath(baseDir, code),
    handler: p.string('handler'),
    // fc3 fills in timeout 3 and memorySize 512 when they are omitted.
    timeoutSeconds: p.int('timeout', { default: 3, min: 1, max: 86400 }),
    memorySize: p.int('memorySize', { default: 512, min: 1 }),
    environment: p.stringMap('environmentVariables'),
    triggers: [],
  };
  const memory = fn.memorySize;
  if (memory < 128 || memory > 32768 || memory % 64 !== 0) {
    // fc3's schema: memorySize {multipleOf 64, minimum 128, maximum 32768}.
    warnings.push(
      `${functionName}: memorySize ${memory} is not one fc3 deploys (a multiple of 64 from 128 to 32768): \`s deploy\` would refuse it; it runs here (memory is not enforced locally)`,
    );
  }
  const rawEnv = p.value.environmentVariables;
  if (isRecord(rawEnv)) {
    // fc3's schema takes strings only (IKV); the local run gets the values as text.
    const loose = Object.keys(rawEnv).filter((k) => typeof rawEnv[k] !== 'string');
    if (loose.length > 0) {
      warnings.push(
        `${functionName}: environmentVariables ${loose.join(', ')} ${loose.length === 1 ? 'is not a string' : 'are not strings'}: fc3 takes strings only, so \`s deploy\` would refuse ${loose.length === 1 ? 'it' : 'them'}; quote the value (LIMIT: "3"). ${loose.length === 1 ? 'It runs' : 'They run'} here as text`,
      );
    }
  }
  const asyncInvoke = readAsyncInvokeConfig(p, warnings, functionName);
  if (asyncInvoke) fn.asyncInvoke = asyncInvoke;
  if (!/^[^.]+(\.[^.]+)+$/.test(fn.handler)) {
    throw p.error(`must look like index.handler (file.export), got "${fn.handler}"`, 'handler');
  }
  const initializer = p.object('instanceLifecycleConfig', false).object('initializer', false);
  // FC (and `s sync`) write `initializer: {handler: '', timeout: 3}` for "none".
  if (initializer.has('handler') && initializer.value.handler !== '') {
    fn.initializer = {
      handler: initializer.string('handler'),
      timeoutSeconds: initializer.int('timeout', { default: 3, min: 1, max: 600 }),
    };
  }
  const role = p.optionalString('role');
  if (role) fn.role = role;
  const names = new Set<string>();
  p.array('triggers', false).forEach((raw, i) => {
    const t = createPropsReader(source, [...path, 'triggers', i], raw);
    const read = readTrigger(t, warnings, fn.name, region);
    if (!read) return;
    // Locally one version runs whatever the qualifier (docs/local.md, Qualifiers);
    // the handler still sees which one its trigger names.
    const qualifier = t.optionalString('qualifier');
    const trigger = qualifier ? { ...read, qualifier } : read;
    if (names.has(trigger.triggerName)) {
      throw t.error(`duplicate triggerName "${trigger.triggerName}"`, 'triggerName');
    }
    names.add(trigger.triggerName);
    if (trigger.kind === 'http' && fn.triggers.some((x) => x.kind === 'http')) {
      // FC takes one HTTP trigger per function (and qualifier).
      throw t.error('a function has at most one HTTP trigger', 'triggerType');
    }
    fn.triggers.push(trigger);
  });
  return fn;
}

/**
 * `asyncInvokeConfig`, with fc3's schema ranges (maxAsyncRetryAttempts 0-8,
 * maxAsyncEventAgeInSeconds 1-2592000); undefined when s.yaml has none.
 */
function readAsyncInvokeConfig(
  p: PropsReader,
  warnings: string[],
  fnName: string,
): AsyncInvokeSettings | undefined {
  if (!p.has('asyncInvokeConfig')) return undefined;
  const cfg = p.object('asyncInvokeConfig');
  const settings: AsyncInvokeSettings = {
    maxRetries: cfg.int('maxAsyncRetryAttempts', {
      default: FC_ASYNC_INVOKE_DEFAULTS.maxRetries,
      min: 0,
      max: 8,
    }),
    maxEventAgeSeconds: cfg.int('maxAsyncEventAgeInSeconds', {
      default: FC_ASYNC_INVOKE_DEFAULTS.maxEventAgeSeconds,
      min: 1,
      max: 2592000,
    }),
  };
  const destinations = cfg.object('destinationConfig', false);
  const targets = ['onSuccess', 'onFailure'].filter((k) => destinations.has(k));
  if (targets.length > 0) {
    warnings.push(
      `${fnName}: asyncInvokeConfig.destinationConfig ${targets.join(', ')} is not applied locally: async results go nowhere`,
    );
  }
  if (cfg.bool('asyncTask', false)) {
    warnings.push(
      `${fnName}: asyncInvokeConfig.asyncTask is not applied locally: async invocations run without task states (no GetAsyncTask, no StopAsyncTask)`,
    );
  }
  return settings;
}

/** `{}` (or `"{}"`): EventBridge's pattern that matches every event. */
function isEmptyPattern(pattern: unknown): boolean {
  let p = pattern;
  if (typeof p === 'string') {
    try {
      p = JSON.parse(p);
    } catch {
      return false;
    }
  }
  return typeof p === 'object' && p !== null && Object.keys(p).length === 0;
}

const HTTP_METHODS = new Set(['GET', 'POST', 'PUT', 'DELETE', 'HEAD', 'PATCH', 'OPTIONS']);

function readTrigger(
  t: PropsReader,
  warnings: string[],
  fnName: string,
  region: string,
): ProjectTrigger | undefined {
  const triggerName = t.string('triggerName');
  const type = t.string('triggerType');
  if (type === 'http') return readHttpTrigger(t, triggerName);
  if (type === 'eventbridge') {
    const cfg = t.object('triggerConfig');
    const sourceType = cfg.object('eventSourceConfig').string('eventSourceType');
    if (!cfg.bool('triggerEnable', true)) {
      warnings.push(
        `${fnName}: trigger ${triggerName} is disabled (triggerEnable: false); not started`,
      );
      return undefined;
    }
    if (sourceType === 'MNS') {
      const filter = cfg.value.eventRuleFilterPattern;
      if (filter !== undefined && !isEmptyPattern(filter)) {
        warnings.push(
          `${fnName}: trigger ${triggerName}: eventRuleFilterPattern is not applied locally; every message is delivered`,
        );
      }
      if (cfg.bool('asyncInvocationType', false)) {
        warnings.push(
          `${fnName}: trigger ${triggerName}: asyncInvocationType is not applied locally; the function is invoked synchronously`,
        );
      }
      return readMnsQueueTrigger(cfg, triggerName, region, (w) =>
        warnings.push(`${fnName}: trigger ${triggerName}: ${w}`),
      );
    }
    warnings.push(
      `${fnName}: eventbridge trigger ${triggerName} (${sourceType}) does not run locally`,
    );
    return undefined;
  }
  warnings.push(`${fnName}: ${type} trigger ${triggerName} does not run locally`);
  return undefined;
}

function readHttpTrigger(t: PropsReader, triggerName: string): ProjectTrigger {
  const cfg = t.object('triggerConfig');
  const authType = cfg.string('authType');
  if (authType !== 'anonymous' && authType !== 'function') {
    throw cfg.error(`must be anonymous or function locally, got "${authType}"`, 'authType');
  }
  const methods = cfg.array('methods').map((m, i) => {
    const upper = typeof m === 'string' ? m.toUpperCase() : '';
    if (!HTTP_METHODS.has(upper)) {
      throw cfg.error(
        `must be one of ${[...HTTP_METHODS].join(', ')}, got ${JSON.stringify(m)}`,
        i,
      );
    }
    return upper;
  });
  if (methods.length === 0) throw cfg.error('must name at least one method', 'methods');
  return { kind: 'http', triggerName, methods, authType };
}

function readMnsQueueTrigger(
  cfg: PropsReader,
  triggerName: string,
  region: string,
  warn: (message: string) => void,
): ProjectTrigger {
  const mns = cfg
    .object('eventSourceConfig')
    .object('eventSourceParameters')
    .object('sourceMNSParameters');
  const queueRegion = mns.optionalString('RegionId');
  if (queueRegion !== undefined && queueRegion !== region) {
    throw mns.error(
      `must be the function's region ${region}: the queue trigger reads a queue there`,
      'RegionId',
    );
  }
  const run = cfg.object('runOptions', false);
  const sink = cfg.object('eventSinkConfig', false).object('deliveryOption', false);
  // runOptions.mode wins over eventSinkConfig.deliveryOption.mode; EventBridge's default is event-driven.
  const rawMode = run.optionalString('mode') ?? sink.optionalString('mode') ?? 'event-driven';
  if (rawMode !== 'event-driven' && rawMode !== 'event-streaming') {
    const where = run.has('mode') ? run : sink;
    throw where.error(`must be event-driven or event-streaming, got "${rawMode}"`, 'mode');
  }
  const streaming = rawMode === 'event-streaming';
  const schema = sink.optionalString('eventSchema') ?? 'CloudEvents';
  if (schema !== 'CloudEvents' && schema !== 'RawData') {
    throw sink.error(`must be CloudEvents or RawData, got "${schema}"`, 'eventSchema');
  }
  // EventBridge honours runOptions (batch window included) only for event streams.
  const window = run.object('batchWindow', false);
  const batchSize = window.int('CountBasedWindow', { default: 1, min: 1, max: 10000 });
  const batchWindowSeconds = window.int('TimeBasedWindow', { default: 0, min: 0, max: 15 });
  // Validated in both modes; event-driven mode pushes with EventBridge's defaults.
  const retry = readPushRetryPolicy(run, warn);
  const retryKeys = PUSH_RETRY_KEYS.filter((k) => run.has(k));
  if (!streaming && retryKeys.length > 0) {
    warn(`runOptions ${retryKeys.join(', ')} apply only in event-streaming mode; defaults used`);
  }
  const queueName = mns.string('QueueName');
  if (retry.deadLetterQueue === queueName) {
    // Each exhausted message would go back where it failed, forever.
    throw run
      .object('deadLetterQueue')
      .error(`must name another queue than the trigger's own (${queueName})`, 'Arn');
  }
  return {
    kind: 'mns-queue',
    triggerName,
    queueName,
    // EventBridge's MNS source decodes base64 bodies unless told not to.
    isBase64Decode: mns.bool('IsBase64Decode', true),
    batchSize: streaming ? batchSize : 1,
    batchWindowSeconds: streaming ? batchWindowSeconds : 0,
    mode: streaming ? 'event-streaming' : 'event',
    ...(schema === 'RawData' ? { rawData: true } : {}),
    retry: streaming ? retry : defaultPushRetryPolicy(),
  };
}
