import { emitFlow, flow, queueTask } from '../../shared/fdl';

/** The crash test's queue and flow: the demo's three callback tasks. */
export const CRASH_QUEUE = 'crash-tasks';
export const CRASH_FLOW_NAME = 'crash-demo';

const task = (name: string, type: string) =>
  queueTask({
    name,
    queue: CRASH_QUEUE,
    priority: 1,
    input: { task_type: type, exec: '$context.execution.name' },
  });

export const CRASH_FLOW = emitFlow(
  flow({ steps: [task('Task_1', 'extract'), task('Task_2', 'transform'), task('Task_3', 'load')] }),
);
