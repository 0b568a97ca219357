import { describe, expect, it } from 'vitest';
import { checkFlowAgainstProject } from '../../../local/fdl-files/cross-check';
import type { Project } from '../../../local/project/model';
import {
  estimateMessageBytes,
  flow,
  flowTask,
  functionTask,
  queueTask,
  type TaskStep,
  task,
  topicTask,
} from '../../../shared/fdl';

const project: Project = {
  file: '/p/s.yaml',
  name: 'p',
  flows: [
    { resource: 'workflow', name: 'queueflow-demo', definitionFile: '/p/flows/demo.flow.yaml' },
  ],
  queues: [
    { name: 'queueflow-tasks', attributes: {} },
    { name: 'small', attributes: { MaximumMessageSize: 1024 } },
  ],
  functions: [
    {
      resource: 'task-worker',
      name: 'task-worker',
      runtime: 'nodejs20',
      codeDir: '/p/dist/task-worker',
      handler: 'index.handler',
      timeoutSeconds: 60,
      memorySize: 512,
      environment: {},
      triggers: [],
    },
  ],
};

describe('checkFlowAgainstProject', () => {
  it('accepts resources the project declares', () => {
    const f = flow({
      steps: [
        queueTask({ name: 'q', queue: 'queueflow-tasks' }),
        functionTask({ name: 'f', functionName: 'task-worker' }),
        flowTask({ name: 'c', flowName: 'queueflow-demo', pattern: 'sync' }),
      ],
    });
    expect(checkFlowAgainstProject(f, project)).toEqual([]);
  });

  it('reports undeclared queues, functions and flows with a did-you-mean and the declared names', () => {
    const f = flow({
      steps: [
        queueTask({ name: 'q', queue: 'queueflow-task' }),
        functionTask({ name: 'f', functionName: 'task-wroker', service: 'svc' }),
        flowTask({ name: 'c', flowName: 'other' }),
      ],
    });
    expect(checkFlowAgainstProject(f, project, { projectLabel: 's.yaml' })).toEqual([
      {
        severity: 'error',
        code: 'unknown-resource',
        message:
          'queue "queueflow-task" is not declared in s.yaml. Did you mean "queueflow-tasks"? Declared queues: queueflow-tasks, small.',
        path: 'steps[0].resourceArn',
      },
      {
        severity: 'error',
        code: 'unknown-resource',
        message:
          'function "task-wroker" is not declared in s.yaml. Did you mean "task-worker"? Declared functions: task-worker.',
        path: 'steps[1].resourceArn',
      },
      {
        severity: 'error',
        code: 'unknown-resource',
        message: 'flow "other" is not declared in s.yaml. Declared flows: queueflow-demo.',
        path: 'steps[2].resourceArn',
      },
    ]);
  });

  it('reports a message whose constant parts exceed 64 KiB, or the queue own smaller limit', () => {
    const big = 'x'.repeat(70_000);
    const f = flow({
      steps: [
        queueTask({ name: 'big', queue: 'queueflow-tasks', input: { blob: big } }),
        queueTask({ name: 'fits', queue: 'queueflow-tasks', input: { blob: 'x'.repeat(60_000) } }),
        queueTask({ name: 'small', queue: 'small', input: { blob: 'x'.repeat(2_000) } }),
        topicTask({ name: 't', topic: 'events', messageBody: big }),
      ],
    });
    const problems = checkFlowAgainstProject(f, project);
    expect(problems.map((p) => [p.code, p.path])).toEqual([
      ['message-too-large', 'steps[0].serviceParams.MessageBody'],
      ['message-too-large', 'steps[2].serviceParams.MessageBody'],
      ['message-too-large', 'steps[3].serviceParams.MessageBody'],
    ]);
    expect(problems[1]!.message).toMatch(/the limit is 1024 bytes/);
    expect(problems[2]!.message).toMatch(/is 70000 bytes/);
  });

  it('checks the child flow that an fnf:StartExecution action names', () => {
    const step: TaskStep = {
      type: 'task',
      name: 'start',
      action: 'fnf:StartExecution',
      serviceParams: { FlowName: 'nope', Input: '$' },
    };
    expect(
      checkFlowAgainstProject({ version: 'v1', type: 'flow', steps: [step] }, project),
    ).toMatchObject([{ code: 'unknown-resource', path: 'steps[0].serviceParams.FlowName' }]);
  });

  it('warns when the definition names the flow differently from s.yaml', () => {
    const f = {
      ...flow({ steps: [task({ name: 'a', resourceArn: 'acs:fc:::functions/task-worker' })] }),
      name: 'x',
    };
    expect(checkFlowAgainstProject(f, project, { flowName: 'queueflow-demo' })).toMatchObject([
      { severity: 'warning', code: 'unknown-resource', path: 'name' },
    ]);
  });
});

describe('estimateMessageBytes', () => {
  it('counts only constant parts of the mapped input as a lower bound', () => {
    const step = queueTask({
      name: 'q',
      queue: 'q',
      input: { task_type: 'extract', source: '$input.source' },
    });
    // {"task_type":"extract"}: the token and the source are paths.
    expect(estimateMessageBytes(step)).toEqual({ minBytes: 23, exact: false });
  });

  it('is exact for a constant body or a body that picks one constant mapping', () => {
    expect(
      estimateMessageBytes(
        topicTask({ name: 't', topic: 't', messageBody: 'héllo', pattern: 'requestResponse' }),
      ),
    ).toEqual({
      minBytes: 6,
      exact: true,
    });
    const picked = queueTask({
      name: 'q',
      queue: 'q',
      pattern: 'requestResponse',
      input: { body: 'abc' },
      messageBody: '$.body',
    });
    expect(estimateMessageBytes(picked)).toEqual({ minBytes: 3, exact: true });
  });
});
