import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  type ChoiceStep,
  choice,
  type Flow,
  fail,
  flow,
  flowTask,
  foreach,
  functionTask,
  parallel,
  pass,
  queueTask,
  type Step,
  sequence,
  steps,
  succeed,
  type TaskStep,
  task,
  topicTask,
  validateFlow,
  wait,
} from '../../../shared/fdl';
import { FdlError } from '../../../shared/fdl/errors';

describe('builder', () => {
  it('refuses at once a name the ARN it goes into could not carry (validateFlow would refuse it)', () => {
    const refused: Array<[string, () => unknown]> = [
      ['queue with a slash', () => queueTask({ name: 'q', queue: 'jobs/high' })],
      ['queue with an underscore', () => queueTask({ name: 'q', queue: 'my_queue' })],
      ['empty topic', () => topicTask({ name: 't', topic: '' })],
      ['flow with a space', () => flowTask({ name: 'f', flowName: 'a b' })],
      ['function with a slash', () => functionTask({ name: 'f', functionName: 'x/y' })],
      [
        'ARN with a nested name',
        () => task({ name: 't', resourceArn: 'acs:mns:::/queues/a/b/messages' }),
      ],
    ];
    for (const [what, build] of refused) {
      expect(build, what).toThrow(FdlError);
    }
    expect(() => queueTask({ name: 'q', queue: 'jobs/high' })).toThrow(
      /not a resourceArn FDL understands/,
    );
    expect(() => queueTask({ name: 'q', queue: 'my_queue' })).toThrow(
      /"my_queue" in .* is not an MNS name/,
    );
  });

  it('writes the queue callback pattern in one call', () => {
    const step = queueTask({
      name: 'Task_1',
      queue: 'fnf-demo',
      priority: 1,
      input: { key: 'value' },
    });
    expect(step).toStrictEqual({
      type: 'task',
      name: 'Task_1',
      resourceArn: 'acs:mns:::/queues/fnf-demo/messages',
      pattern: 'waitForCallback',
      inputMappings: [
        { target: 'task_token', source: '$context.task.token' },
        { target: 'key', source: 'value' },
      ],
      serviceParams: { MessageBody: '$', Priority: 1 },
    });
    expectTypeOf(step).toExtend<TaskStep>();
    expectTypeOf(step.name).toEqualTypeOf<'Task_1'>();
  });

  it('maps no token for requestResponse and honours a custom token key', () => {
    expect(
      queueTask({ name: 'a', queue: 'q', pattern: 'requestResponse' }).inputMappings,
    ).toBeUndefined();
    expect(topicTask({ name: 't', topic: 'events', tokenKey: 'taskToken' }).inputMappings).toEqual([
      { target: 'taskToken', source: '$context.task.token' },
    ]);
  });

  it('builds FC and child-flow ARNs', () => {
    expect(functionTask({ name: 'f', functionName: 'resize' }).resourceArn).toBe(
      'acs:fc:::functions/resize',
    );
    expect(
      functionTask({ name: 'f', functionName: 'resize', service: 'img', qualifier: 'prod' })
        .resourceArn,
    ).toBe('acs:fc:::services/img.prod/functions/resize');
    expect(
      functionTask({ name: 'f', functionName: 'resize', invocationType: 'Async' }).serviceParams,
    ).toEqual({ InvocationType: 'Async' });
    // @ts-expect-error InvocationType is Sync or Async
    functionTask({ name: 'f', functionName: 'resize', invocationType: 'async' });
    // A qualifier without a service has no place in an FDL v1 ARN: refused, not dropped.
    expect(() =>
      // @ts-expect-error a qualifier needs a service
      functionTask({ name: 'f', functionName: 'resize', qualifier: 'prod' }),
    ).toThrow(/qualifier prod needs a service name/);
    expect(flowTask({ name: 'c', flowName: 'child', pattern: 'sync' })).toMatchObject({
      resourceArn: 'acs:fnf:::flow/child',
      pattern: 'sync',
    });
  });

  it('produces flows that validate, with gotos among siblings', () => {
    const f = flow({
      steps: [
        task({
          name: 'call',
          resourceArn: 'acs:fc:::services/s/functions/f',
          catch: [{ errors: ['FnF.ALL'], goto: 'failed' }],
          end: false,
        }),
        choice({
          name: 'route',
          choices: [{ condition: '$.ok', goto: 'done' }],
          default: { steps: sequence([wait({ name: 'w', duration: 5 })]), goto: 'call' },
        }),
        parallel({ name: 'p', branches: [sequence([pass({ name: 'a' })])] }),
        foreach({
          name: 'each',
          iterationMapping: { collection: '$.items', item: 'item' },
          steps: sequence([pass({ name: 'x' })]),
        }),
        succeed({ name: 'done' }),
        fail({ name: 'failed', error: 'CallFailed' }),
      ],
    });
    expect(validateFlow(f).filter((p) => p.severity === 'error')).toEqual([]);
    expectTypeOf(f).toEqualTypeOf<Flow>();
  });

  it('exposes every constructor under steps', () => {
    expect(steps.pass({ name: 'a' })).toEqual({ type: 'pass', name: 'a' });
    expectTypeOf(steps.choice).toEqualTypeOf(choice);
  });

  it('takes lists that spread other lists when their gotos name siblings', () => {
    const common = [pass({ name: 'p1' }), pass({ name: 'p2' })];
    const route = choice({ name: 'c', choices: [{ condition: '$.x', goto: 'p1' }] });
    const fixed = [pass({ name: 'p1' }), pass({ name: 'p2' })] as const;
    const checked = sequence([pass({ name: 'p1' }), pass({ name: 'p2' })]);
    const built = [
      flow({ steps: [...common, route] }),
      flow({ steps: sequence([...common, route]) }),
      flow({ steps: [...fixed, route] }),
      flow({ steps: [...checked, route] }),
    ];
    for (const f of built) {
      expect(f.steps.map((s) => s.name)).toEqual(['p1', 'p2', 'c']);
      expect(validateFlow(f).filter((p) => p.severity === 'error')).toEqual([]);
    }
  });

  it('leaves a goto into a plain Step[] (names unknown to the type checker) to validateFlow', () => {
    const shared: Step[] = [pass({ name: 'shared' })];
    const ok = flow({
      steps: [...shared, choice({ name: 'c', choices: [{ condition: '$.x', goto: 'shared' }] })],
    });
    expect(validateFlow(ok).filter((p) => p.severity === 'error')).toEqual([]);
    const bad = flow({
      steps: [...shared, choice({ name: 'c', choices: [{ condition: '$.x', goto: 'nope' }] })],
    });
    expect(
      validateFlow(bad)
        .filter((p) => p.severity === 'error')
        .map((p) => p.path),
    ).toEqual(['steps[1].choices[0].goto']);
  });

  it('takes a sequence() as the flow steps (its gotos were checked when it was built)', () => {
    const main = sequence([
      choice({ name: 'route', choices: [{ condition: '$.ok', goto: 'done' }] }),
      succeed({ name: 'done' }),
    ]);
    const f = flow({ steps: main });
    expect(f.steps.map((s) => s.name)).toEqual(['route', 'done']);
    expect(validateFlow(f).filter((p) => p.severity === 'error')).toEqual([]);
  });

  it('rejects at compile time what FDL would reject at deploy time', () => {
    // These lines are checked by `tsc` (npm run typecheck); at run time they only build objects.
    flow({
      steps: [
        // @ts-expect-error goto names a step that is not in this list
        choice({ name: 'c', choices: [{ condition: '$.x', goto: 'nowhere' }] }),
        succeed({ name: 'done' }),
      ],
    });
    const common = [pass({ name: 'p1' }), pass({ name: 'p2' })];
    flow({
      // @ts-expect-error a list with a spread is still checked: this goto names no sibling
      steps: [...common, choice({ name: 'c', choices: [{ condition: '$.x', goto: 'nope' }] })],
    });
    const checked = sequence([pass({ name: 's1' })]);
    flow({
      // @ts-expect-error a sequence() keeps its step names, so a list spreading it is checked too
      steps: [...checked, choice({ name: 'c', choices: [{ condition: '$.x', goto: 'typo' }] })],
    });
    sequence([
      // @ts-expect-error a catch goto must name a sibling too
      queueTask({ name: 'q', queue: 'q', catch: [{ errors: ['FnF.ALL'], goto: 'other' }] }),
    ]);
    // @ts-expect-error an MNS queue task cannot use the sync pattern
    queueTask({ name: 'q', queue: 'q', pattern: 'sync' });
    // @ts-expect-error the pattern must suit the ARN's resource kind
    task({ name: 't', resourceArn: 'acs:mns:::/queues/q/messages', pattern: 'sync' });
    expect(() =>
      // @ts-expect-error a malformed ARN does not compile (and throws if forced through)
      task({ name: 't', resourceArn: 'acs:mns:::/queue/q/messages' }),
    ).toThrow(FdlError);
    // @ts-expect-error a wait needs duration or timestamp
    wait({ name: 'w' });
    // @ts-expect-error a wait cannot have both
    wait({ name: 'w', duration: 1, timestamp: '2019-05-02T15:04:05Z' });
    const notAPath = { collection: 'items', item: 'i' } as const;
    // @ts-expect-error foreach collections are $.paths
    foreach({ name: 'f', iterationMapping: notAPath, steps: sequence([]) });
    // @ts-expect-error a collection reads the step's own input ($.x), not $input
    foreach({ name: 'f', iterationMapping: { collection: '$input.items', item: 'i' }, steps: [] });
    // @ts-expect-error a wait duration path reads the step input too
    wait({ name: 'w', duration: '$input.seconds' });
    // The forms validateFlow takes compile.
    wait({ name: 'w', duration: '$.seconds' });
    foreach({ name: 'f', iterationMapping: { collection: '$', item: 'i' }, steps: [] });
    const codes = validateFlow(flow({ steps: [pass({ name: 'p' })] })).map((p) => p.code);
    expect(codes).toEqual([]);
    // @ts-expect-error problem codes are a closed list: a misspelt one never matches
    codes.includes('duplicate-step-names');
    const typo: ChoiceStep = {
      type: 'choice',
      name: 'c',
      // @ts-expect-error a misspelt field fails to compile
      choises: [],
    };
    // @ts-expect-error an unknown step type fails to compile
    const bad: TaskStep = { type: 'taks', name: 'x' };
    expect([typo, bad]).toHaveLength(2);
  });
});
