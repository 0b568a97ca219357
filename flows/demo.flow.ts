// The TypeScript twin of flows/demo.flow.yaml; test/unit/fdl/flows.test.ts checks they are equal.
import { flow, queueTask } from '../shared/fdl';

const QUEUE = 'queueflow-tasks';
/** A task without a report for an hour fails with FnF.TaskTimeout (see demo.flow.yaml). */
const TASK_TIMEOUT_SECONDS = 3600;

/** queueflow-demo: extract -> transform -> load, each a queue task that waits for its callback. */
export const demoFlow = flow({
  steps: [
    queueTask({
      name: 'Task_1',
      queue: QUEUE,
      priority: 1,
      timeoutSeconds: TASK_TIMEOUT_SECONDS,
      input: { task_type: 'extract', source: '$input.source' },
    }),
    queueTask({
      name: 'Task_2',
      queue: QUEUE,
      priority: 1,
      timeoutSeconds: TASK_TIMEOUT_SECONDS,
      input: { task_type: 'transform', rows: '$local.rows' },
    }),
    queueTask({
      name: 'Task_3',
      queue: QUEUE,
      priority: 1,
      timeoutSeconds: TASK_TIMEOUT_SECONDS,
      input: { task_type: 'load', rows: '$local.rows', source: '$input.source' },
    }),
  ],
});
