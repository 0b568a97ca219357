/**
 * FDL text of one MNS queue task step with waitForCallback, as the demo's are:
 * the task token and `task_type` mapped first, then `data` (target -> source),
 * the whole input as the message body. Indented as an item of `steps:`.
 */
export function queueTaskStep(step: {
  name: string;
  taskType: string;
  queue: string;
  data?: Record<string, string>;
  priority?: number;
}): string {
  const mapped = Object.entries(step.data ?? {})
    .map(([k, v]) => `      - target: ${k}\n        source: ${v}\n`)
    .join('');
  return `  - type: task
    name: ${step.name}
    resourceArn: acs:mns:::/queues/${step.queue}/messages
    pattern: waitForCallback
    inputMappings:
      - target: task_token
        source: $context.task.token
      - target: task_type
        source: ${step.taskType}
${mapped}    serviceParams:
      MessageBody: $
${step.priority === undefined ? '' : `      Priority: ${step.priority}\n`}`;
}
