import { type FcInvocationType, formatResourceArn, parseResourceArn, resourceArnHint } from './arn';
import { resourceArnNameProblem } from './check-context';
import { FdlError } from './errors';
import type {
  CatchPolicy,
  ChoiceStep,
  FailStep,
  FdlVersion,
  Flow,
  ForeachStep,
  IterationMapping,
  Json,
  JsonObject,
  Mapping,
  ParallelStep,
  PassStep,
  RetryPolicy,
  Step,
  SucceedStep,
  TaskPattern,
  TaskStep,
  WaitStep,
} from './types';

declare const GOTOS: unique symbol;
declare const SEQUENCE: unique symbol;

/** A built step that remembers its name `N` and the goto targets `G` it uses, at type level only. */
export type Built<
  S extends Step = Step,
  N extends string = string,
  G extends string = never,
> = S & {
  readonly name: N;
  readonly [GOTOS]?: G;
};

/** A step list whose goto targets were checked against the sibling names (see `sequence`). */
export type Sequence<S extends readonly Step[] = readonly Step[]> = S & {
  readonly [SEQUENCE]?: true;
};

type AnyBuilt = Built<Step, string, string>;
type NamesOf<S extends readonly unknown[]> = S[number] extends infer X
  ? X extends { name: infer N extends string }
    ? N
    : never
  : never;
type GotosOf<X> = X extends { readonly [GOTOS]?: infer G } ? Exclude<G, undefined> : never;

/** The error shown when a goto names a step that is not a sibling. */
export interface GotoNotSibling<T> {
  'goto target is not a step in this list': T;
}

/**
 * Maps each step to itself when its gotos name siblings, else to an error type.
 * A Sequence (checked when sequence() built it) is taken as it is.
 */
export type CheckGotos<S extends readonly unknown[]> = typeof SEQUENCE extends keyof S
  ? S
  : number extends S['length']
    ? [GotosOf<S[number]>] extends [NamesOf<S>]
      ? S
      : readonly GotoNotSibling<Exclude<GotosOf<S[number]>, NamesOf<S>>>[]
    : {
        [K in keyof S]: [GotosOf<S[K]>] extends [NamesOf<S>]
          ? S[K]
          : GotoNotSibling<Exclude<GotosOf<S[K]>, NamesOf<S>>>;
      };

/** Mappings as a list, or as an object `{ target: source }` (kept in key order). */
export type MappingsSpec = readonly Mapping[] | { readonly [target: string]: Json };

/** Patterns an MNS queue or topic supports. */
export type MnsPattern = 'requestResponse' | 'waitForCallback';
/** Patterns an FC function supports. */
export type FcPattern = 'requestResponse' | 'waitForCallback';

/** The resourceArn forms as template types: a malformed ARN does not compile. */
export type ResourceArn =
  | `acs:mns:${string}:${string}:/queues/${string}/messages`
  | `acs:mns:${string}:${string}:/topics/${string}/messages`
  | `acs:fc:${string}:${string}:services/${string}/functions/${string}`
  | `acs:fc:${string}:${string}:functions/${string}`
  | `acs:fnf:${string}:${string}:flow/${string}`;

/** The patterns a resourceArn allows. */
export type PatternFor<A extends string> = A extends `acs:mns:${string}`
  ? MnsPattern
  : A extends `acs:fc:${string}`
    ? FcPattern
    : A extends `acs:fnf:${string}`
      ? TaskPattern
      : never;

interface CommonSpec<N extends string> {
  name: N;
  inputMappings?: MappingsSpec;
  outputMappings?: MappingsSpec;
}

interface EndSpec {
  end?: boolean;
}

interface TaskExtras<C extends readonly CatchPolicy[]> extends EndSpec {
  timeoutSeconds?: number;
  retry?: readonly RetryPolicy[];
  catch?: C;
  errorMappings?: MappingsSpec;
}

/**
 * Turns `{ target: source }` into mappings; lists are copied.
 * @example mappings({ source: '$input.file', rows: 0 })
 *          // [{ target: 'source', source: '$input.file' }, { target: 'rows', source: 0 }]
 */
export function mappings(spec: MappingsSpec): Mapping[] {
  if (Array.isArray(spec)) return (spec as readonly Mapping[]).map((m) => ({ ...m }));
  return Object.entries(spec as { [k: string]: Json }).map(([target, source]) => ({
    target,
    source,
  }));
}

function common<N extends string>(
  spec: CommonSpec<N>,
): { name: N; inputMappings?: Mapping[]; outputMappings?: Mapping[] } {
  const out: { name: N; inputMappings?: Mapping[]; outputMappings?: Mapping[] } = {
    name: spec.name,
  };
  if (spec.inputMappings !== undefined) out.inputMappings = mappings(spec.inputMappings);
  if (spec.outputMappings !== undefined) out.outputMappings = mappings(spec.outputMappings);
  return out;
}

function taskExtras<C extends readonly CatchPolicy[]>(spec: TaskExtras<C>): Partial<TaskStep> {
  const out: Partial<TaskStep> = {};
  if (spec.timeoutSeconds !== undefined) out.timeoutSeconds = spec.timeoutSeconds;
  if (spec.retry !== undefined)
    out.retry = spec.retry.map((r) => ({ ...r, errors: [...r.errors] }));
  if (spec.catch !== undefined)
    out.catch = spec.catch.map((c) => ({ errors: [...c.errors], goto: c.goto }));
  if (spec.errorMappings !== undefined) out.errorMappings = mappings(spec.errorMappings);
  if (spec.end !== undefined) out.end = spec.end;
  return out;
}

/** Orders task fields like the YAML files do (for readable emit and stable equality). */
function assembleTask(parts: {
  name: string;
  resourceArn?: string;
  action?: string;
  pattern?: TaskPattern;
  inputMappings?: Mapping[];
  outputMappings?: Mapping[];
  serviceParams?: JsonObject;
  extras: Partial<TaskStep>;
}): TaskStep {
  const step: TaskStep = { type: 'task', name: parts.name };
  if (parts.resourceArn !== undefined) step.resourceArn = parts.resourceArn;
  if (parts.action !== undefined) step.action = parts.action;
  if (parts.pattern !== undefined) step.pattern = parts.pattern;
  if (parts.inputMappings !== undefined) step.inputMappings = parts.inputMappings;
  if (parts.serviceParams !== undefined) step.serviceParams = parts.serviceParams;
  if (parts.outputMappings !== undefined) step.outputMappings = parts.outputMappings;
  return Object.assign(step, parts.extras);
}

type CatchGotos<C extends readonly CatchPolicy[]> = C[number]['goto'];
type GotoOf<T> = T extends { goto?: infer G } ? Exclude<G, undefined> & string : never;

/**
 * `arn` when validateFlow would take it, else an FdlError now: the types check
 * an ARN's form, not the names inside it (`/queues/a/b/messages`, `my_queue`).
 */
function checkedArn(arn: string): string {
  const ref = parseResourceArn(arn);
  if (!ref) {
    const hint = resourceArnHint(arn);
    throw new FdlError(
      'invalid-flow',
      `"${arn}" is not a resourceArn FDL understands (${hint ?? 'is a name in it empty, or does it hold "/" or ":"?'})`,
    );
  }
  const problem = resourceArnNameProblem(ref, arn);
  if (problem) throw new FdlError('invalid-flow', problem);
  return arn;
}

/**
 * A task step for any documented resourceArn; the pattern must suit the resource kind.
 * @example task({ name: 'hello', resourceArn: 'acs:fc:::services/svc/functions/hello' })
 */
export function task<
  const N extends string,
  const A extends ResourceArn,
  const C extends readonly CatchPolicy[] = [],
>(
  spec: CommonSpec<N> &
    TaskExtras<C> & { resourceArn: A; pattern?: PatternFor<A>; serviceParams?: JsonObject },
): Built<TaskStep, N, CatchGotos<C>> {
  const base = common(spec);
  return assembleTask({
    ...base,
    resourceArn: checkedArn(spec.resourceArn),
    ...(spec.pattern === undefined ? {} : { pattern: spec.pattern }),
    ...(spec.serviceParams === undefined ? {} : { serviceParams: { ...spec.serviceParams } }),
    extras: taskExtras(spec),
  }) as Built<TaskStep, N, CatchGotos<C>>;
}

/** Options of an MNS message task (queue or topic). */
export interface MessageTaskSpec<N extends string, C extends readonly CatchPolicy[]>
  extends Omit<CommonSpec<N>, 'inputMappings'>,
    TaskExtras<C> {
  /** Defaults to waitForCallback. */
  pattern?: MnsPattern;
  /** The mapped input (the message, with MessageBody `$`): `{ target: source }` or a list. */
  input?: MappingsSpec;
  /** Key the task token is mapped to (waitForCallback only). Default `task_token`. */
  tokenKey?: string;
  /** MessageBody; default `$` (the JSON of the mapped input). */
  messageBody?: Json;
}

/**
 * The queue callback pattern in one call: an MNS queue task with waitForCallback whose message
 * (`MessageBody: $`) carries `$context.task.token` under `task_token`, then the `input` mappings.
 * @example queueTask({ name: 'Task_1', queue: 'queueflow-tasks', priority: 1, input: { task_type: 'extract' } })
 */
export function queueTask<const N extends string, const C extends readonly CatchPolicy[] = []>(
  spec: MessageTaskSpec<N, C> & { queue: string; priority?: number; delaySeconds?: number },
): Built<TaskStep, N, CatchGotos<C>> {
  const params: JsonObject = {};
  if (spec.priority !== undefined) params.Priority = spec.priority;
  if (spec.delaySeconds !== undefined) params.DelaySeconds = spec.delaySeconds;
  return messageTask(
    spec,
    checkedArn(formatResourceArn({ kind: 'mns-queue', queue: spec.queue })),
    params,
  );
}

/**
 * An MNS topic task (PublishMessage); like queueTask.
 * @example topicTask({ name: 'notify', topic: 'events', input: { kind: 'done' } })
 */
export function topicTask<const N extends string, const C extends readonly CatchPolicy[] = []>(
  spec: MessageTaskSpec<N, C> & { topic: string; messageTag?: string },
): Built<TaskStep, N, CatchGotos<C>> {
  const params: JsonObject = {};
  if (spec.messageTag !== undefined) params.MessageTag = spec.messageTag;
  return messageTask(
    spec,
    checkedArn(formatResourceArn({ kind: 'mns-topic', topic: spec.topic })),
    params,
  );
}

function messageTask<N extends string, C extends readonly CatchPolicy[]>(
  spec: MessageTaskSpec<N, C>,
  resourceArn: string,
  extraParams: JsonObject,
): Built<TaskStep, N, CatchGotos<C>> {
  const pattern = spec.pattern ?? 'waitForCallback';
  const input: Mapping[] = [];
  if (pattern === 'waitForCallback') {
    input.push({ target: spec.tokenKey ?? 'task_token', source: '$context.task.token' });
  }
  if (spec.input !== undefined) input.push(...mappings(spec.input));
  return assembleTask({
    name: spec.name,
    resourceArn,
    pattern,
    ...(input.length > 0 ? { inputMappings: input } : {}),
    serviceParams: { MessageBody: spec.messageBody ?? '$', ...extraParams },
    ...(spec.outputMappings === undefined ? {} : { outputMappings: mappings(spec.outputMappings) }),
    extras: taskExtras(spec),
  }) as Built<TaskStep, N, CatchGotos<C>>;
}

/**
 * An FC function task (FC 3.0 `functions/<fn>`, or `services/<svc>/functions/<fn>` with `service`).
 * @example functionTask({ name: 'resize', functionName: 'resize-image' })
 */
export function functionTask<const N extends string, const C extends readonly CatchPolicy[] = []>(
  spec: CommonSpec<N> &
    TaskExtras<C> & {
      functionName: string;
      pattern?: FcPattern;
      /**
       * `serviceParams.InvocationType`: Sync (FnF's default) waits for the
       * function; Async has FC store the call and run it, retrying its errors.
       */
      invocationType?: FcInvocationType;
    } & (
      | { service: string; qualifier?: string }
      // FDL v1 writes a qualifier after the service (services/<svc>.<qualifier>):
      // without a service there is nowhere to put it.
      | { service?: undefined; qualifier?: never }
    ),
): Built<TaskStep, N, CatchGotos<C>> {
  const resourceArn = checkedArn(
    formatResourceArn({
      kind: 'fc',
      functionName: spec.functionName,
      ...(spec.service === undefined ? {} : { serviceName: spec.service }),
      ...(spec.qualifier === undefined ? {} : { qualifier: spec.qualifier }),
    }),
  );
  return assembleTask({
    ...common(spec),
    resourceArn,
    ...(spec.pattern === undefined ? {} : { pattern: spec.pattern }),
    ...(spec.invocationType === undefined
      ? {}
      : { serviceParams: { InvocationType: spec.invocationType } }),
    extras: taskExtras(spec),
  }) as Built<TaskStep, N, CatchGotos<C>>;
}

/**
 * A child-flow task (`acs:fnf:::flow/<name>`); `sync` waits for the child to end.
 * @example flowTask({ name: 'child', flowName: 'audit', pattern: 'sync' })
 */
export function flowTask<const N extends string, const C extends readonly CatchPolicy[] = []>(
  spec: CommonSpec<N> &
    TaskExtras<C> & { flowName: string; pattern?: TaskPattern; serviceParams?: JsonObject },
): Built<TaskStep, N, CatchGotos<C>> {
  return assembleTask({
    ...common(spec),
    resourceArn: checkedArn(formatResourceArn({ kind: 'fnf-flow', flowName: spec.flowName })),
    ...(spec.pattern === undefined ? {} : { pattern: spec.pattern }),
    ...(spec.serviceParams === undefined ? {} : { serviceParams: { ...spec.serviceParams } }),
    extras: taskExtras(spec),
  }) as Built<TaskStep, N, CatchGotos<C>>;
}

/** A pass step. @example pass({ name: 'init', outputMappings: { status: 'new' } }) */
export function pass<const N extends string>(spec: CommonSpec<N> & EndSpec): Built<PassStep, N> {
  const step: PassStep = { type: 'pass', ...common(spec) };
  if (spec.end !== undefined) step.end = spec.end;
  return step as Built<PassStep, N>;
}

/** A succeed step. @example succeed({ name: 'done' }) */
export function succeed<const N extends string>(spec: CommonSpec<N>): Built<SucceedStep, N> {
  return { type: 'succeed', ...common(spec) } as Built<SucceedStep, N>;
}

/** A fail step. @example fail({ name: 'bad', error: 'Rejected', cause: 'amount too high' }) */
export function fail<const N extends string>(
  spec: CommonSpec<N> & { error?: string; cause?: string },
): Built<FailStep, N> {
  const step: FailStep = { type: 'fail', ...common(spec) };
  if (spec.error !== undefined) step.error = spec.error;
  if (spec.cause !== undefined) step.cause = spec.cause;
  return step as Built<FailStep, N>;
}

/**
 * A path into the step's own input (`$`, `$.items`, `$[0]`): what a wait
 * duration and a foreach collection read. `$input.x` or `$local.x` are not
 * available there (validateFlow says so), so the type refuses them too.
 */
export type StepInputPath = '$' | `$.${string}` | `$[${string}`;

/**
 * A wait step: exactly one of duration and timestamp (enforced by the type).
 * @example wait({ name: 'cool-off', duration: 30 })
 */
export function wait<const N extends string>(
  spec: CommonSpec<N> &
    EndSpec &
    (
      | { duration: number | StepInputPath; timestamp?: never }
      | { timestamp: string; duration?: never }
    ),
): Built<WaitStep, N> {
  const step: WaitStep = { type: 'wait', ...common(spec) };
  if (spec.duration !== undefined) step.duration = spec.duration;
  if (spec.timestamp !== undefined) step.timestamp = spec.timestamp;
  if (spec.end !== undefined) step.end = spec.end;
  return step as Built<WaitStep, N>;
}

/** One choice branch spec; nested steps come from `sequence()` so their gotos are checked. */
export interface BranchSpec<G extends string = string> {
  condition: string;
  steps?: Sequence;
  goto?: G;
}

/**
 * A choice step; `goto` targets must be siblings where the step is used (checked by `sequence`/`flow`).
 * @example choice({ name: 'route', choices: [{ condition: '$.rows > 0', goto: 'load' }], default: { goto: 'skip' } })
 */
export function choice<
  const N extends string,
  const B extends readonly BranchSpec[],
  const D extends { steps?: Sequence; goto?: string } = { steps?: Sequence; goto?: never },
>(
  spec: CommonSpec<N> & EndSpec & { choices: B; default?: D },
): Built<ChoiceStep, N, GotoOf<B[number]> | GotoOf<D>> {
  const step: ChoiceStep = {
    type: 'choice',
    ...common(spec),
    choices: spec.choices.map((c) => {
      const out: ChoiceStep['choices'][number] = { condition: c.condition };
      if (c.steps !== undefined) out.steps = [...c.steps];
      if (c.goto !== undefined) out.goto = c.goto;
      return out;
    }),
  };
  if (spec.default !== undefined) {
    const d: NonNullable<ChoiceStep['default']> = {};
    if (spec.default.steps !== undefined) d.steps = [...spec.default.steps];
    if (spec.default.goto !== undefined) d.goto = spec.default.goto;
    step.default = d;
  }
  if (spec.end !== undefined) step.end = spec.end;
  return step as Built<ChoiceStep, N, GotoOf<B[number]> | GotoOf<D>>;
}

/**
 * A parallel step; each branch is a `sequence()`.
 * @example parallel({ name: 'fan-out', branches: [sequence([pass({ name: 'a' })]), sequence([pass({ name: 'b' })])] })
 */
export function parallel<const N extends string>(
  spec: CommonSpec<N> & EndSpec & { branches: readonly Sequence[] },
): Built<ParallelStep, N> {
  const step: ParallelStep = {
    type: 'parallel',
    ...common(spec),
    branches: spec.branches.map((steps) => ({ steps: [...steps] })),
  };
  if (spec.end !== undefined) step.end = spec.end;
  return step as Built<ParallelStep, N>;
}

/**
 * A foreach step over `$.path` in the step input.
 * @example foreach({
 *            name: 'each-file',
 *            iterationMapping: { collection: '$.files', item: 'file' },
 *            steps: sequence([pass({ name: 'one' })]),
 *          })
 */
export function foreach<const N extends string>(
  spec: CommonSpec<N> &
    EndSpec & {
      iterationMapping: IterationMapping & { collection: StepInputPath };
      steps: Sequence;
    },
): Built<ForeachStep, N> {
  const step: ForeachStep = {
    type: 'foreach',
    ...common(spec),
    iterationMapping: { ...spec.iterationMapping },
    steps: [...spec.steps],
  };
  if (spec.end !== undefined) step.end = spec.end;
  return step as Built<ForeachStep, N>;
}

/**
 * A list of sibling steps. It only compiles when every goto names a step of this same list.
 * @example sequence([choice({ name: 'c', choices: [{ condition: '$.ok', goto: 'done' }] }), succeed({ name: 'done' })])
 */
export function sequence<const S extends readonly AnyBuilt[]>(
  steps: S & CheckGotos<S>,
): Sequence<S> {
  // The step types (and so their names) stay in the type: a list that spreads
  // this one still has its gotos checked against these names.
  return [...(steps as readonly Step[])] as unknown as Sequence<S>;
}

/**
 * A whole flow; its top-level steps are checked like `sequence`.
 * @example flow({ steps: [pass({ name: 'a' })] })
 */
export function flow<const S extends readonly AnyBuilt[]>(spec: {
  steps: S & CheckGotos<S>;
  version?: FdlVersion;
  name?: string;
  inputMappings?: MappingsSpec;
  outputMappings?: MappingsSpec;
  timeoutSeconds?: number;
}): Flow {
  const out: Flow = { version: spec.version ?? 'v1', type: 'flow', steps: [] };
  if (spec.name !== undefined) out.name = spec.name;
  if (spec.timeoutSeconds !== undefined) out.timeoutSeconds = spec.timeoutSeconds;
  if (spec.inputMappings !== undefined) out.inputMappings = mappings(spec.inputMappings);
  out.steps = [...(spec.steps as readonly Step[])];
  if (spec.outputMappings !== undefined) out.outputMappings = mappings(spec.outputMappings);
  return out;
}

/** The step constructors under one name, for `steps.task(...)` style. */
export const steps = {
  task,
  queueTask,
  topicTask,
  functionTask,
  flowTask,
  pass,
  choice,
  parallel,
  foreach,
  wait,
  succeed,
  fail,
  sequence,
} as const;
