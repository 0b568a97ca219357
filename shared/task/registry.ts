import type { JsonObjectValue } from '../clients/flow-client';

/** What a handler gets besides its input. */
export interface TaskContext {
  /** The `task_type` that selected this handler. */
  taskType: string;
  /** MNS message id, when the task came from a queue message. */
  messageId?: string;
  /**
   * 1 on the first delivery; higher on redeliveries (retries, crashes). Set by the
   * long-polling worker; unset in the queue-triggered function (EventBridge's
   * events do not carry it).
   */
  dequeueCount?: number;
  /** Aborted when the worker gives up on the task (shutdown after the grace period). */
  signal: AbortSignal;
}

/**
 * What a handler may return: a JSON object, reported as the step's output, or
 * nothing (undefined), reported as `{}`. The worker refuses anything else
 * (InvalidTaskOutput), so a string, an array or null does not compile.
 */
// biome-ignore lint/suspicious/noConfusingVoidType: an async handler that returns nothing is typed Promise<void>, which undefined does not accept
export type TaskOutput = JsonObjectValue | void;

/**
 * A task handler: a plain async function of the message body (the step's mapped
 * input). Its return value (a JSON object) is reported as the step's output.
 */
export type TaskHandler<I = Record<string, unknown>, O extends TaskOutput = TaskOutput> = (
  input: I,
  ctx: TaskContext,
) => O | Promise<O>;

/** Handlers keyed by task type; `never` input accepts handlers of any input type. */
export type HandlerMap = Readonly<Record<string, TaskHandler<never>>>;

/** Looks handlers up by the message's `task_type`. */
export interface HandlerRegistry {
  get(taskType: string): TaskHandler | undefined;
  types(): string[];
}

/**
 * A registry over an object of handlers, keeping their types for callers.
 * @example const registry = createHandlerRegistry({ extract: async (input) => ({ rows: 3 }) });
 */
export function createHandlerRegistry<H extends HandlerMap>(
  handlers: H,
): HandlerRegistry & { readonly handlers: H } {
  for (const [k, v] of Object.entries(handlers)) {
    if (typeof v !== 'function') throw new TypeError(`handler "${k}" is not a function`);
  }
  return {
    handlers,
    get: (taskType) =>
      Object.hasOwn(handlers, taskType)
        ? (handlers[taskType] as unknown as TaskHandler)
        : undefined,
    types: () => Object.keys(handlers),
  };
}

/** True for a HandlerRegistry (anything with `get` and `types` functions). */
export function isHandlerRegistry(v: unknown): v is HandlerRegistry {
  return (
    v !== null &&
    typeof v === 'object' &&
    typeof (v as HandlerRegistry).get === 'function' &&
    typeof (v as HandlerRegistry).types === 'function'
  );
}

/**
 * An ES module compiled to CommonJS (tsx does this to a .ts file outside a
 * `"type": "module"` package) and then imported comes back wrapped once more:
 * its exports, `__esModule` marker included, sit under `default`. Unwrap it so
 * `export default {...}` reads the same in and out of such a package.
 */
function esModuleOf(m: Record<string, unknown>): Record<string, unknown> {
  const inner = m.default;
  if (
    inner &&
    typeof inner === 'object' &&
    (inner as { __esModule?: unknown }).__esModule === true
  ) {
    return inner as Record<string, unknown>;
  }
  return m;
}

/** The first candidate that is a registry, else one built from the first object holding functions. */
function firstRegistry(
  registries: readonly unknown[],
  handlerObjects: readonly unknown[],
): HandlerRegistry | undefined {
  for (const candidate of registries) {
    if (isHandlerRegistry(candidate)) return candidate;
  }
  for (const candidate of handlerObjects) {
    if (candidate && typeof candidate === 'object') {
      const fns = Object.entries(candidate).filter(([, v]) => typeof v === 'function');
      if (fns.length > 0) return createHandlerRegistry(Object.fromEntries(fns) as HandlerMap);
    }
  }
  return undefined;
}

/**
 * Accepts what a `--handlers` module exports: a registry (as `registry` or
 * `default`), an object of handlers (as `handlers` or `default`), either of them
 * under `default` (CommonJS), or handler functions as named exports.
 * @example const registry = toHandlerRegistry(await import(pathToFileURL(file).href));
 */
export function toHandlerRegistry(moduleExports: unknown): HandlerRegistry {
  const m = esModuleOf((moduleExports ?? {}) as Record<string, unknown>);
  // `module.exports = { handlers: {...} }` with the handlers written inline: Node's
  // ESM import gets no named exports from it (cjs-module-lexer gives up at an
  // object literal as a value), only the whole object as `default`. Its
  // `registry` or `handlers` come before `default` itself as the handlers, which
  // would take a helper function beside them (`close`) for the only handler.
  const inner =
    m.default && typeof m.default === 'object' ? (m.default as Record<string, unknown>) : {};
  const found = firstRegistry(
    [m, m.registry, m.default, inner.registry, m.handlers, inner.handlers],
    [m.handlers, inner.handlers, m.default],
  );
  if (found) return found;
  const named = Object.entries(m).filter(([k, v]) => k !== 'default' && typeof v === 'function');
  if (named.length > 0) return createHandlerRegistry(Object.fromEntries(named) as HandlerMap);
  throw new TypeError(
    'the handlers module exports no handlers: export a registry, an object of handlers, or handler functions',
  );
}
