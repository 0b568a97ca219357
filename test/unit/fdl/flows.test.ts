import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { allStepsFlow } from '../../../flows/all-steps.flow';
import { demoFlow } from '../../../flows/demo.flow';
import {
  emitFlow,
  type Flow,
  parseFlow,
  STEP_TYPES,
  validateFlow,
  walkSteps,
} from '../../../shared/fdl';

const root = join(import.meta.dirname, '..', '..', '..');
const read = (name: string) => readFileSync(join(root, 'flows', name), 'utf8');

function stepTypes(flow: Pick<Flow, 'steps'>): Set<string> {
  const types = new Set<string>();
  walkSteps(flow, (step) => types.add(step.type));
  return types;
}

describe('flows/', () => {
  it('parses demo.flow.yaml without problems and equals its builder twin', () => {
    const { flow, problems } = parseFlow(read('demo.flow.yaml'), { file: 'flows/demo.flow.yaml' });
    expect(problems).toEqual([]);
    expect(flow).toStrictEqual(demoFlow);
  });

  it('keeps the demo shape fixed by the project: three queue tasks routed by task_type', () => {
    const tasks = demoFlow.steps;
    expect(tasks.map((s) => s.name)).toEqual(['Task_1', 'Task_2', 'Task_3']);
    tasks.forEach((step, i) => {
      expect(step).toMatchObject({
        type: 'task',
        resourceArn: 'acs:mns:::/queues/queueflow-tasks/messages',
        pattern: 'waitForCallback',
        serviceParams: { MessageBody: '$', Priority: 1 },
      });
      expect(step.inputMappings?.[0]).toEqual({
        target: 'task_token',
        source: '$context.task.token',
      });
      expect(step.inputMappings?.[1]).toEqual({
        target: 'task_type',
        source: ['extract', 'transform', 'load'][i],
      });
    });
  });

  it('parses all-steps.flow.yaml without problems, uses every step type and equals its twin', () => {
    const { flow, problems } = parseFlow(read('all-steps.flow.yaml'));
    expect(problems).toEqual([]);
    expect(flow).toStrictEqual(allStepsFlow);
    expect([...stepTypes(allStepsFlow)].sort()).toEqual([...STEP_TYPES].sort());
  });

  it('finds nothing wrong in the builder flows with validateFlow', () => {
    expect(validateFlow(demoFlow)).toEqual([]);
    expect(validateFlow(allStepsFlow)).toEqual([]);
  });

  it('quotes strings that YAML 1.1 would read as booleans or numbers when emitting', () => {
    const text = emitFlow({
      version: 'v1',
      type: 'flow',
      steps: [
        {
          type: 'pass',
          name: 'a',
          outputMappings: [
            { target: 'yes', source: 'on' },
            { target: 'n', source: '1_000' },
          ],
        },
      ],
    });
    expect(text).toContain('- target: "yes"\n        source: "on"');
    expect(text).toContain('source: "1_000"');
    expect(parseFlow(text).problems).toEqual([]);
  });

  it('emits YAML that parses back to the same flows', () => {
    for (const f of [demoFlow, allStepsFlow]) {
      const again = parseFlow(emitFlow(f));
      expect(again.problems).toEqual([]);
      expect(again.flow).toStrictEqual(f);
    }
  });
});
