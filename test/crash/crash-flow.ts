/** The crash test's queue and flow: the demo's three callback tasks. */
export const CRASH_QUEUE = 'crash-tasks';
export const CRASH_FLOW_NAME = 'crash-demo';

const task = (name: string, type: string) => `  - type: task
    name: ${name}
    resourceArn: acs:mns:::/queues/${CRASH_QUEUE}/messages
    pattern: waitForCallback
    inputMappings:
      - target: task_token
        source: $context.task.token
      - target: task_type
        source: ${type}
      - target: exec
        source: $context.execution.name
    serviceParams:
      MessageBody: $
      Priority: 1
`;

export const CRASH_FLOW = `version: v1
type: flow
steps:
${task('Task_1', 'extract')}${task('Task_2', 'transform')}${task('Task_3', 'load')}`;
