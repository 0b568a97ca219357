// The flows the console browser tests run. The demo is the project's own
// flows/demo.flow.yaml (queue queueflow-tasks, Task_1..3, task_type extract/transform/load).
import { readFileSync } from 'node:fs';
import { emitFlow, flow, pass, queueTask } from '../../shared/fdl';

/** A demo-style queue task: token, task_type, then `data`; the mapped input is the message. */
const demoTask = (name: string, taskType: string, queue: string, data: Record<string, string>) =>
  queueTask({ name, queue, priority: 1, input: { task_type: taskType, ...data } });

/** The project's 3-task callback demo, as it ships. */
export const DEMO_FLOW = readFileSync(
  new URL('../../flows/demo.flow.yaml', import.meta.url),
  'utf8',
);

/** A flow whose middle task the worker fails: the execution fails there. */
export const FAILING_FLOW = emitFlow(
  flow({
    steps: [
      pass({ name: 'Prepare' }),
      demoTask('Validate', 'validate', 'queueflow-tasks', { batch: '$input.batch' }),
      demoTask('Load', 'load', 'queueflow-tasks', { rows: '$local.rows' }),
    ],
  }),
);

/** Every step type, nested: choice > parallel > foreach, with a wait and a branch not taken. */
export const SHAPES_FLOW = `version: v1
type: flow
steps:
  - type: pass
    name: Setup
  - type: choice
    name: Route
    choices:
      - condition: $.mode == "fan"
        steps:
          - type: parallel
            name: Fan
            branches:
              - steps:
                  - type: foreach
                    name: EachItem
                    iterationMapping:
                      collection: $.items
                      item: item
                    steps:
                      - type: pass
                        name: Touch
              - steps:
                  - type: wait
                    name: Breathe
                    duration: 1
    default:
      steps:
        - type: fail
          name: Unknown
          error: UnknownMode
          cause: no such mode
  - type: succeed
    name: Done
`;

/** One task on a queue no worker reads: it waits until stopped. */
export const IDLE_FLOW = emitFlow(
  flow({
    steps: [demoTask('Wait_For_Human', 'approve', 'queueflow-idle', { request: '$input.request' })],
  }),
);

/** One pass step: finishes at once (paging and escaping checks). */
export const QUICK_FLOW = `version: v1
type: flow
steps:
  - type: pass
    name: Echo
`;

/** A task the worker fails once with a retryable error: the retry policy runs it again. */
export const RETRY_FLOW = emitFlow(
  flow({
    steps: [
      queueTask({
        name: 'Flaky',
        queue: 'queueflow-tasks',
        priority: 1,
        input: { task_type: 'flaky', attempt_of: '$input.job' },
        retry: [{ errors: ['Transient'], intervalSeconds: 1, maxAttempts: 2 }],
      }),
    ],
  }),
);
