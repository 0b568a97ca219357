import { describe, expect, it } from 'vitest';
import { type Flow, validateFlow, walkSteps } from '../../../shared/fdl';

describe('walkSteps', () => {
  it('visits nested steps in document order with their paths and depths', () => {
    const flow = {
      steps: [
        {
          type: 'choice',
          name: 'c',
          choices: [{ condition: '$.a == 1', steps: [{ type: 'pass', name: 'in_choice' }] }],
          default: { steps: [{ type: 'pass', name: 'in_default' }] },
        },
        {
          type: 'parallel',
          name: 'p',
          branches: [{ steps: [{ type: 'pass', name: 'in_branch' }] }],
        },
        { type: 'foreach', name: 'f', steps: [{ type: 'pass', name: 'in_foreach' }] },
      ],
    } as unknown as Flow;
    const seen: string[] = [];
    walkSteps(flow, (step, path, depth) => seen.push(`${path} ${step.name} ${depth}`));
    expect(seen).toEqual([
      'steps[0] c 0',
      'steps[0].choices[0].steps[0] in_choice 1',
      'steps[0].default.steps[0] in_default 1',
      'steps[1] p 0',
      'steps[1].branches[0].steps[0] in_branch 1',
      'steps[2] f 0',
      'steps[2].steps[0] in_foreach 1',
    ]);
  });

  it('skips entries of a malformed flow that are not steps instead of throwing', () => {
    const flow = {
      steps: [null, 3, { type: 'parallel', name: 'p', branches: [null, { steps: [null] }] }],
    } as unknown as Flow;
    const seen: string[] = [];
    walkSteps(flow, (_step, path) => seen.push(path));
    expect(seen).toEqual(['steps[2]']);
  });

  it('lets validateFlow say where a goto target outside its list sits', () => {
    const flow = {
      version: 'v1',
      type: 'flow',
      steps: [
        { type: 'choice', name: 'c', choices: [{ condition: '$.a == 1', goto: 'inner' }] },
        { type: 'parallel', name: 'p', branches: [{ steps: [{ type: 'pass', name: 'inner' }] }] },
      ],
    } as unknown as Flow;
    const problem = validateFlow(flow).find((p) => p.code === 'goto-not-sibling');
    expect(problem?.message).toMatch(/it is at steps\[1\]\.branches\[0\]\.steps\[0\]/);
  });
});
