import type { AsyncInvokeSettings } from '../project/model';
/** What the runtime needs to know about one function (from s.yaml, or given by a test). */
export interface FunctionSpec {
  name: string;
  /** Absolute path of the folder holding the built bundle (dist/<name>). */
  codeDir: string;
  /** `index.handler`: module file and export name. */
  handler: string;
  runtime: string;
  timeoutSeconds: number;
  memorySize: number;
  /** The function's own environment variables from s.yaml. */
  environment: Record<string, string>;
  /** `instanceLifecycleConfig.initializer`: `index.initialize`, run once per instance first. */
  initializer?: { handler: string; timeoutSeconds: number };
  /** `asyncInvokeConfig`: retries of a failed async invocation (0-8) and the event's maximum age; FC's defaults when absent. */
  asyncInvoke?: AsyncInvokeSettings;
}

/** FC's function error body (FC 3.0 Node.js runtime). */
export interface FunctionErrorBody {
  errorMessage: string;
  errorType?: string;
  stackTrace?: string[];
}

/** The `x-fc-error-type` values the local runtime produces. */
export type FunctionErrorKind =
  | 'HandledInvocationError'
  | 'UnhandledInvocationError'
  | 'InitializationError';

/** The outcome of one invocation: the handler's bytes, or FC's function error. */
export type InvokeOutcome =
  | {
      ok: true;
      requestId: string;
      body: Buffer;
      durationMs: number;
      /** Base64 of the last 4 KB the invocation logged (for `x-fc-log-type: Tail`). */
      logTail?: string;
    }
  | {
      ok: false;
      requestId: string;
      kind: FunctionErrorKind;
      error: FunctionErrorBody;
      /** The instance was killed because the function timeout passed. */
      timedOut: boolean;
      durationMs: number;
      logTail?: string;
      /**
       * The instance was gone before the request reached it: the function never
       * ran it (the pool then runs it on another instance).
       */
      notDelivered?: boolean;
    };

/** What a caller may pass along with an event. */
export interface InvokeOptions {
  qualifier?: string;
  /** Counts EventBridge / async retries; surfaced as context.retryCount. */
  retryCount?: number;
  /** Use this request id (e.g. the one already put into an HTTP trigger event). */
  requestId?: string;
}
