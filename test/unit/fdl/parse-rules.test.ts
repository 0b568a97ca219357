import { describe, expect, it } from 'vitest';
import { parseFlow } from '../../../shared/fdl';

/** A flow document around the given step lines (steps start on line 4). */
const flow = (steps: string) => `version: v1\ntype: flow\nsteps:\n${steps}`;

interface Expected {
  severity: 'error' | 'warning';
  code: string;
  path: string;
  line: number;
  column: number;
  message?: string | RegExp;
}

function problemsOf(text: string) {
  return parseFlow(text, { file: 'f.yaml' }).problems;
}

function expectProblems(text: string, expected: Expected[]): void {
  const problems = problemsOf(text);
  expect(
    problems.map(({ severity, code, path, line, column }) => ({
      severity,
      code,
      path,
      line,
      column,
    })),
  ).toEqual(expected.map(({ message: _m, ...rest }) => rest));
  expected.forEach((e, i) => {
    if (e.message !== undefined) expect(problems[i]!.message).toMatch(e.message);
    expect(problems[i]!.file).toBe('f.yaml');
  });
}

describe('parseFlow: document and flow fields', () => {
  it('reports YAML syntax errors with their position and returns no flow', () => {
    const r = parseFlow('version: v1\ntype: flow\nsteps: [\n');
    expect(r.flow).toBeUndefined();
    expect(r.problems).toMatchObject([
      { severity: 'error', code: 'yaml-syntax', line: 4, column: 1 },
    ]);
  });

  it('names a duplicate key, a second document and a Funcraft !Ref tag in plain words', () => {
    expectProblems(flow('  - type: pass\n    name: a\n    name: b\n'), [
      {
        severity: 'error',
        code: 'yaml-syntax',
        path: '',
        line: 6,
        column: 5,
        message: '"name" appears twice in the same mapping; each field may appear once',
      },
    ]);
    expectProblems(flow('  - type: pass\n    name: a\n---\nversion: v1\n'), [
      {
        severity: 'error',
        code: 'yaml-syntax',
        path: '',
        line: 6,
        column: 1,
        message: /more than one YAML document/,
      },
    ]);
    expectProblems(flow('  - type: task\n    name: a\n    resourceArn: !Ref svc/fn\n'), [
      {
        severity: 'warning',
        code: 'yaml-syntax',
        path: '',
        line: 6,
        column: 18,
        message: /unknown tag !Ref: .*Funcraft/,
      },
      {
        severity: 'error',
        code: 'resource-arn',
        path: 'steps[0].resourceArn',
        line: 6,
        column: 23,
      },
    ]);
  });

  it('reports an empty document', () => {
    expectProblems('', [
      { severity: 'error', code: 'empty-document', path: '', line: 1, column: 1 },
    ]);
  });

  it('recognises a CloudFlow definition and says which language it reads', () => {
    expectProblems('Type: StateMachine\nSpecVersion: v1\nStartAt: a\nStates: []\n', [
      { severity: 'error', code: 'not-fdl-v1', path: '', line: 1, column: 1, message: /CloudFlow/ },
    ]);
  });

  it('requires version, type and steps', () => {
    expectProblems('type: flow\nsteps:\n  - type: pass\n    name: a\n', [
      { severity: 'error', code: 'required-field', path: 'version', line: 1, column: 1 },
    ]);
  });

  it('rejects a numeric version and suggests writing it as a string', () => {
    expectProblems('version: 1.0\ntype: flow\nsteps:\n  - type: pass\n    name: a\n', [
      {
        severity: 'error',
        code: 'invalid-value',
        path: 'version',
        line: 1,
        column: 10,
        message: /e\.g\. version: v1/,
      },
    ]);
  });

  it('accepts v1, v1beta1 and v1.0', () => {
    for (const v of ['v1', 'v1beta1', 'v1.0']) {
      expect(
        parseFlow(`version: ${v}\ntype: flow\nsteps:\n  - type: pass\n    name: a\n`).flow?.version,
      ).toBe(v);
    }
  });

  it('warns about an unknown top-level field with a did-you-mean and still requires steps', () => {
    expectProblems('version: v1\ntype: flow\nstep:\n  - type: pass\n    name: a\n', [
      {
        severity: 'warning',
        code: 'unknown-field',
        path: 'step',
        line: 3,
        column: 1,
        message: /Did you mean "steps"\?/,
      },
      { severity: 'error', code: 'required-field', path: 'steps', line: 1, column: 1 },
    ]);
  });

  it('rejects a flow timeout out of range', () => {
    expectProblems(
      'version: v1\ntype: flow\ntimeoutSeconds: 1.5\nsteps:\n  - type: pass\n    name: a\n',
      [{ severity: 'error', code: 'out-of-range', path: 'timeoutSeconds', line: 3, column: 17 }],
    );
  });

  it('rejects an empty steps list', () => {
    expectProblems('version: v1\ntype: flow\nsteps: []\n', [
      { severity: 'error', code: 'empty-list', path: 'steps', line: 3, column: 8 },
    ]);
  });
});

describe('parseFlow: steps', () => {
  it('suggests the step type a typo meant', () => {
    expectProblems(flow('  - type: wiat\n    name: w\n'), [
      {
        severity: 'error',
        code: 'invalid-value',
        path: 'steps[0].type',
        line: 4,
        column: 11,
        message: /Did you mean "wait"\?/,
      },
    ]);
  });

  it('warns about an unknown step field with a did-you-mean, at the key', () => {
    expectProblems(
      flow(
        '  - type: task\n    name: t\n    resourceArn: acs:fc:::functions/f\n    patern: requestResponse\n',
      ),
      [
        {
          severity: 'warning',
          code: 'unknown-field',
          path: 'steps[0].patern',
          line: 7,
          column: 5,
          message: /Did you mean "pattern"\?/,
        },
      ],
    );
  });

  it('says which step type a misplaced field belongs to', () => {
    expectProblems(flow('  - type: pass\n    name: a\n    resourceArn: acs:fc:::functions/f\n'), [
      {
        severity: 'warning',
        code: 'unknown-field',
        path: 'steps[0].resourceArn',
        line: 6,
        column: 5,
        message: /"resourceArn" is a field of task steps, not pass/,
      },
    ]);
  });

  it('explains that succeed and fail steps take no end', () => {
    expectProblems(flow('  - type: succeed\n    name: s\n    end: true\n'), [
      {
        severity: 'warning',
        code: 'unknown-field',
        path: 'steps[0].end',
        line: 6,
        column: 5,
        message: /always end the flow/,
      },
    ]);
  });

  it('rejects a value of the wrong type at the value', () => {
    expectProblems(flow('  - type: pass\n    name: a\n    end: "yes"\n'), [
      {
        severity: 'error',
        code: 'invalid-type',
        path: 'steps[0].end',
        line: 6,
        column: 10,
        message: 'expected true or false, got the string "yes"',
      },
    ]);
  });

  it('requires the fields of each step type', () => {
    expectProblems(flow('  - type: choice\n    name: c\n'), [
      { severity: 'error', code: 'required-field', path: 'steps[0].choices', line: 4, column: 5 },
    ]);
    expectProblems(flow('  - type: pass\n'), [
      { severity: 'error', code: 'required-field', path: 'steps[0].name', line: 4, column: 5 },
    ]);
  });

  it('rejects duplicate sibling names at the second one', () => {
    expectProblems(flow('  - type: pass\n    name: a\n  - type: pass\n    name: a\n'), [
      {
        severity: 'error',
        code: 'duplicate-step-name',
        path: 'steps[1].name',
        line: 7,
        column: 11,
        message: /already used by steps\[0\]/,
      },
    ]);
  });

  it('allows the same name in different lists', () => {
    const r = parseFlow(
      flow(
        '  - type: pass\n    name: a\n  - type: parallel\n    name: p\n    branches:\n      - steps:\n          - type: pass\n            name: a\n',
      ),
    );
    expect(r.problems).toEqual([]);
  });

  it('warns about step names outside the documented character set and rejects names over 128 characters', () => {
    expectProblems(flow('  - type: pass\n    name: my step\n'), [
      { severity: 'warning', code: 'step-name', path: 'steps[0].name', line: 5, column: 11 },
    ]);
    expectProblems(flow(`  - type: pass\n    name: ${'a'.repeat(129)}\n`), [
      { severity: 'error', code: 'out-of-range', path: 'steps[0].name', line: 5, column: 11 },
    ]);
  });

  it('warns about steps nested more than ten levels deep', () => {
    const indent = (i: number) => '  '.repeat(i * 3);
    let text = '';
    for (let i = 0; i < 12; i++) {
      text += `${indent(i)}  - type: foreach\n${indent(i)}    name: f${i}\n${indent(i)}    iterationMapping: {collection: $.x, item: i}\n${indent(i)}    steps:\n`;
    }
    text += `${indent(12)}  - type: pass\n${indent(12)}    name: leaf\n`;
    const problems = problemsOf(flow(text));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({
      severity: 'warning',
      code: 'nesting-depth',
      line: 48,
      column: 69,
    });
    expect(problems[0]!.path).toBe(`steps[0]${'.steps[0]'.repeat(10)}.steps`);
  });

  it('warns about a step that nothing can reach', () => {
    expectProblems(flow('  - type: succeed\n    name: done\n  - type: pass\n    name: never\n'), [
      { severity: 'warning', code: 'unreachable-step', path: 'steps[1]', line: 6, column: 5 },
    ]);
    expect(
      problemsOf(flow('  - type: pass\n    name: a\n    end: true\n  - type: pass\n    name: b\n')),
    ).toMatchObject([{ code: 'unreachable-step', path: 'steps[1]' }]);
  });
});

describe('parseFlow: goto', () => {
  it('rejects a goto to a step in another list and says where that step is', () => {
    expectProblems(
      flow(
        '  - type: choice\n    name: c\n    choices:\n      - condition: $.x\n        goto: inner\n  - type: parallel\n    name: p\n    branches:\n      - steps:\n          - type: pass\n            name: inner\n',
      ),
      [
        {
          severity: 'error',
          code: 'goto-not-sibling',
          path: 'steps[0].choices[0].goto',
          line: 8,
          column: 15,
          message: /it is at steps\[1\]\.branches\[0\]\.steps\[0\]/,
        },
      ],
    );
  });

  it('rejects a goto to an unknown step with a did-you-mean and the valid targets', () => {
    expectProblems(
      flow(
        '  - type: task\n    name: t\n    resourceArn: acs:fc:::functions/f\n    catch:\n      - errors: [FnF.ALL]\n        goto: finsh\n  - type: succeed\n    name: finish\n',
      ),
      [
        {
          severity: 'error',
          code: 'goto-target',
          path: 'steps[0].catch[0].goto',
          line: 9,
          column: 15,
          message: /Did you mean "finish"\? Valid targets: t, finish/,
        },
      ],
    );
  });

  it('checks default.goto and gotos inside nested lists against their own siblings', () => {
    expectProblems(
      flow(
        '  - type: choice\n    name: c\n    choices:\n      - condition: $.x\n        steps:\n          - type: pass\n            name: a\n    default:\n      goto: a\n',
      ),
      [
        {
          severity: 'error',
          code: 'goto-not-sibling',
          path: 'steps[0].default.goto',
          line: 12,
          column: 13,
        },
      ],
    );
  });
});

describe('parseFlow: tasks', () => {
  it('rejects an ARN that is not a documented form and hints at the fix', () => {
    expectProblems(flow('  - type: task\n    name: t\n    resourceArn: acs:mns:::/queues/q\n'), [
      {
        severity: 'error',
        code: 'resource-arn',
        path: 'steps[0].resourceArn',
        line: 6,
        column: 18,
        message: /MNS ARNs end with "\/messages"/,
      },
    ]);
  });

  it('rejects a pattern the resource kind does not support', () => {
    expectProblems(
      flow(
        '  - type: task\n    name: t\n    resourceArn: acs:mns:::/queues/q/messages\n    pattern: sync\n',
      ),
      [
        {
          severity: 'error',
          code: 'pattern',
          path: 'steps[0].pattern',
          line: 7,
          column: 14,
          message:
            'pattern sync is not supported for an MNS queue; use requestResponse or waitForCallback',
        },
      ],
    );
    expect(
      problemsOf(
        flow(
          '  - type: task\n    name: t\n    resourceArn: acs:fnf:::flow/child\n    pattern: sync\n',
        ),
      ),
    ).toEqual([]);
  });

  it('rejects an unknown pattern with a did-you-mean', () => {
    expectProblems(
      flow(
        '  - type: task\n    name: t\n    resourceArn: acs:fc:::functions/f\n    pattern: waitForCalback\n',
      ),
      [
        {
          severity: 'error',
          code: 'invalid-value',
          path: 'steps[0].pattern',
          line: 7,
          column: 14,
          message: /Did you mean "waitForCallback"\?/,
        },
      ],
    );
  });

  it('requires exactly one of resourceArn and action', () => {
    expectProblems(flow('  - type: task\n    name: t\n'), [
      { severity: 'error', code: 'task-target', path: 'steps[0].resourceArn', line: 4, column: 5 },
    ]);
    expectProblems(
      flow(
        '  - type: task\n    name: t\n    resourceArn: acs:fnf:::flow/x\n    action: fnf:StartExecution\n',
      ),
      [{ severity: 'error', code: 'task-target', path: 'steps[0].action', line: 7, column: 13 }],
    );
    expect(
      problemsOf(flow('  - type: task\n    name: t\n    action: fnf:StartExecution\n')),
    ).toEqual([]);
  });

  it('warns when a waitForCallback task does not map the task token', () => {
    expectProblems(
      flow(
        '  - type: task\n    name: t\n    resourceArn: acs:mns:::/queues/q/messages\n    pattern: waitForCallback\n    serviceParams:\n      MessageBody: $\n',
      ),
      [
        {
          severity: 'warning',
          code: 'missing-task-token',
          path: 'steps[0].pattern',
          line: 7,
          column: 14,
          message: /\$context\.task\.token/,
        },
      ],
    );
  });

  it('warns when the message body leaves the mapped token out', () => {
    expectProblems(
      flow(
        '  - type: task\n    name: t\n    resourceArn: acs:mns:::/queues/q/messages\n    pattern: waitForCallback\n    inputMappings:\n      - target: task_token\n        source: $context.task.token\n    serviceParams:\n      MessageBody: $.data\n',
      ),
      [
        {
          severity: 'warning',
          code: 'missing-task-token',
          path: 'steps[0].serviceParams.MessageBody',
          line: 12,
          column: 20,
        },
      ],
    );
  });

  it('checks ranges of timeouts and retry policies', () => {
    expectProblems(
      flow(
        '  - type: task\n    name: t\n    resourceArn: acs:fc:::functions/f\n    timeoutSeconds: 0\n    retry:\n      - errors: [FnF.ALL]\n        intervalSeconds: 90000\n        multiplier: 0.5\n',
      ),
      [
        {
          severity: 'error',
          code: 'out-of-range',
          path: 'steps[0].timeoutSeconds',
          line: 7,
          column: 21,
        },
        {
          severity: 'error',
          code: 'out-of-range',
          path: 'steps[0].retry[0].intervalSeconds',
          line: 10,
          column: 26,
        },
        {
          severity: 'error',
          code: 'out-of-range',
          path: 'steps[0].retry[0].multiplier',
          line: 11,
          column: 21,
        },
      ],
    );
  });

  it('warns about retry and catch policies shadowed by an earlier one', () => {
    expectProblems(
      flow(
        '  - type: task\n    name: t\n    resourceArn: acs:fc:::functions/f\n    retry:\n      - errors: [FnF.ALL]\n      - errors: [FC.Unknown]\n',
      ),
      [
        {
          severity: 'warning',
          code: 'invalid-value',
          path: 'steps[0].retry[1].errors[0]',
          line: 9,
          column: 18,
          message: /handles FnF\.ALL/,
        },
      ],
    );
  });

  it('checks MNS serviceParams names and ranges', () => {
    expectProblems(
      flow(
        '  - type: task\n    name: t\n    resourceArn: acs:mns:::/queues/q/messages\n    serviceParams:\n      MessageBody: $\n      Priorty: 1\n      DelaySeconds: -1\n',
      ),
      [
        {
          severity: 'warning',
          code: 'service-params',
          path: 'steps[0].serviceParams.Priorty',
          line: 9,
          column: 16,
          message: /Did you mean "Priority"\?/,
        },
        {
          severity: 'error',
          code: 'out-of-range',
          path: 'steps[0].serviceParams.DelaySeconds',
          line: 10,
          column: 21,
        },
      ],
    );
  });

  it('checks FC serviceParams: InvocationType Sync or Async, and their names', () => {
    expectProblems(
      flow(
        '  - type: task\n    name: t\n    resourceArn: acs:fc:::functions/f\n    serviceParams:\n      InvocationType: Async\n      StatefulAsyncInvocationID: $.id\n',
      ),
      [],
    );
    expectProblems(
      flow(
        '  - type: task\n    name: t\n    resourceArn: acs:fc:::functions/f\n    serviceParams:\n      InvocationType: async\n      invocationType: Async\n',
      ),
      [
        {
          severity: 'warning',
          code: 'service-params',
          path: 'steps[0].serviceParams.invocationType',
          line: 9,
          column: 23,
          message: /Did you mean "InvocationType"\?/,
        },
        {
          severity: 'error',
          code: 'service-params',
          path: 'steps[0].serviceParams.InvocationType',
          line: 8,
          column: 23,
          message: /Sync \(the default.*or Async.*not "async"/,
        },
      ],
    );
    expectProblems(
      flow(
        '  - type: task\n    name: t\n    resourceArn: acs:fc:::functions/f\n    serviceParams:\n      InvocationType: $\n',
      ),
      [
        {
          severity: 'error',
          code: 'service-params',
          path: 'steps[0].serviceParams.InvocationType',
          line: 8,
          column: 23,
        },
      ],
    );
  });

  it('warns that serviceParams read $.x, not $input.x', () => {
    expectProblems(
      flow(
        '  - type: task\n    name: t\n    resourceArn: acs:fnf:::flow/x\n    serviceParams:\n      Input: $input.x\n',
      ),
      [
        {
          severity: 'warning',
          code: 'service-params',
          path: 'steps[0].serviceParams.Input',
          line: 8,
          column: 14,
        },
      ],
    );
  });
});

describe('parseFlow: mappings', () => {
  it('rejects a malformed path source at the exact character', () => {
    expectProblems(
      flow(
        '  - type: pass\n    name: a\n    inputMappings:\n      - target: x\n        source: $input.a[b]\n',
      ),
      [
        {
          severity: 'error',
          code: 'mapping-source',
          path: 'steps[0].inputMappings[0].source',
          line: 8,
          column: 26,
        },
      ],
    );
  });

  it('warns that a look-alike of a path is a constant and suggests the path', () => {
    expectProblems(
      flow(
        '  - type: pass\n    name: a\n    inputMappings:\n      - target: x\n        source: $inptu.a\n',
      ),
      [
        {
          severity: 'warning',
          code: 'mapping-source',
          path: 'steps[0].inputMappings[0].source',
          line: 8,
          column: 17,
          message: /Did you mean \$input\.a\?/,
        },
      ],
    );
  });

  it('requires target and source, and warns about duplicate and dotted targets', () => {
    expectProblems(
      flow(
        '  - type: pass\n    name: a\n    outputMappings:\n      - source: 1\n      - target: a.b\n        source: 1\n      - target: a.b\n        source: 2\n',
      ),
      [
        {
          severity: 'error',
          code: 'required-field',
          path: 'steps[0].outputMappings[0].target',
          line: 7,
          column: 9,
        },
        {
          severity: 'warning',
          code: 'mapping-target',
          path: 'steps[0].outputMappings[1].target',
          line: 8,
          column: 17,
          message: /nested targets are not supported/,
        },
        {
          severity: 'warning',
          code: 'mapping-target',
          path: 'steps[0].outputMappings[2].target',
          line: 10,
          column: 17,
          message: /later mapping wins/,
        },
        {
          severity: 'warning',
          code: 'mapping-target',
          path: 'steps[0].outputMappings[2].target',
          line: 10,
          column: 17,
          message: /nested targets/,
        },
      ],
    );
  });

  it('warns about unknown $context fields and the token outside a task', () => {
    expectProblems(
      flow(
        '  - type: pass\n    name: a\n    inputMappings:\n      - target: x\n        source: $context.execution.nam\n      - target: y\n        source: $context.task.token\n',
      ),
      [
        {
          severity: 'warning',
          code: 'context-field',
          path: 'steps[0].inputMappings[0].source',
          line: 8,
          column: 17,
          message: /Did you mean "\$context\.execution\.name"\?/,
        },
        {
          severity: 'warning',
          code: 'context-field',
          path: 'steps[0].inputMappings[1].source',
          line: 10,
          column: 17,
        },
      ],
    );
  });

  it('warns about plain constants that YAML 1.1 parsers read as booleans or numbers', () => {
    expectProblems(
      flow(
        '  - type: pass\n    name: a\n    outputMappings:\n      - target: x\n        source: on\n      - target: y\n        source: "on"\n      - target: z\n        source: 1_000\n',
      ),
      [
        {
          severity: 'warning',
          code: 'ambiguous-scalar',
          path: 'steps[0].outputMappings[0].source',
          line: 8,
          column: 17,
          message: /write "on" in quotes/,
        },
        {
          severity: 'warning',
          code: 'ambiguous-scalar',
          path: 'steps[0].outputMappings[2].source',
          line: 12,
          column: 17,
          message: /as a number/,
        },
      ],
    );
  });

  it('warns about dates, octal-looking numbers and integers past 2^53, which other parsers read differently', () => {
    expectProblems(
      flow(
        [
          '  - type: wait',
          '    name: nap',
          '    duration: 010',
          '  - type: pass',
          '    name: a',
          '    outputMappings:',
          '      - target: day',
          '        source: 2026-11-29',
          '      - target: id',
          '        source: 12345678901234567890',
          '      - target: mode',
          '        source: 0o17',
          '      - target: quoted',
          '        source: "2026-11-29"',
          '      - target: safe',
          '        source: 9007199254740991',
          '',
        ].join('\n'),
      ),
      [
        {
          severity: 'warning',
          code: 'ambiguous-scalar',
          path: 'steps[0].duration',
          line: 6,
          column: 15,
          message:
            /010 is the number 10 here, but YAML 1.1 parsers read a leading 0 as octal \(8\)/,
        },
        {
          severity: 'warning',
          code: 'ambiguous-scalar',
          path: 'steps[1].outputMappings[0].source',
          line: 11,
          column: 17,
          message: /read it as a timestamp; write "2026-11-29" in quotes/,
        },
        {
          severity: 'warning',
          code: 'ambiguous-scalar',
          path: 'steps[1].outputMappings[1].source',
          line: 13,
          column: 17,
          message: /past 2\^53 and reads as 12345678901234567000/,
        },
        {
          severity: 'warning',
          code: 'ambiguous-scalar',
          path: 'steps[1].outputMappings[2].source',
          line: 15,
          column: 17,
          message: /0o17 is the number 15 here, but YAML 1.1 parsers read it as a string/,
        },
      ],
    );
  });

  it('rejects constant mapping data over the 32 KiB step data limit', () => {
    expectProblems(
      flow(
        `  - type: pass\n    name: a\n    outputMappings:\n      - target: x\n        source: ${'x'.repeat(33_000)}\n`,
      ),
      [
        {
          severity: 'error',
          code: 'out-of-range',
          path: 'steps[0].outputMappings',
          line: 7,
          column: 7,
          message: /32 KiB/,
        },
      ],
    );
  });

  it('accepts any YAML value as a constant source', () => {
    const r = parseFlow(
      flow(
        '  - type: pass\n    name: a\n    outputMappings:\n      - target: list\n        source: ["A", 1, null, {k: v}]\n      - target: slash\n        source: /\n',
      ),
    );
    expect(r.problems).toEqual([]);
    expect(r.flow?.steps[0]?.outputMappings).toEqual([
      { target: 'list', source: ['A', 1, null, { k: 'v' }] },
      { target: 'slash', source: '/' },
    ]);
  });
});

describe('parseFlow: choice, foreach, wait, fail', () => {
  it('rejects condition syntax errors at the exact column', () => {
    expectProblems(
      flow('  - type: choice\n    name: c\n    choices:\n      - condition: $.a = 1\n'),
      [
        {
          severity: 'error',
          code: 'condition-syntax',
          path: 'steps[0].choices[0].condition',
          line: 7,
          column: 24,
          message: /use "==" to compare/,
        },
      ],
    );
    expectProblems(
      flow('  - type: choice\n    name: c\n    choices:\n      - condition: "$.a == \'x\'"\n'),
      [
        {
          severity: 'error',
          code: 'condition-syntax',
          path: 'steps[0].choices[0].condition',
          line: 7,
          column: 28,
        },
      ],
    );
  });

  it('rejects an empty choices list and an empty parallel branch', () => {
    expectProblems(flow('  - type: choice\n    name: c\n    choices: []\n'), [
      { severity: 'error', code: 'empty-list', path: 'steps[0].choices', line: 6, column: 14 },
    ]);
    expectProblems(flow('  - type: parallel\n    name: p\n    branches:\n      - steps: []\n'), [
      {
        severity: 'error',
        code: 'empty-list',
        path: 'steps[0].branches[0].steps',
        line: 7,
        column: 16,
      },
    ]);
  });

  it('rejects more than 100 parallel branches', () => {
    const branches = Array.from(
      { length: 101 },
      (_, i) => `      - steps:\n          - type: pass\n            name: b${i}\n`,
    ).join('');
    expectProblems(flow(`  - type: parallel\n    name: p\n    branches:\n${branches}`), [
      { severity: 'error', code: 'out-of-range', path: 'steps[0].branches', line: 7, column: 7 },
    ]);
  });

  it('requires the foreach collection to be a $.path into the step input', () => {
    expectProblems(
      flow(
        '  - type: foreach\n    name: f\n    iterationMapping:\n      collection: $input.files\n      item: file\n    steps:\n      - type: pass\n        name: a\n',
      ),
      [
        {
          severity: 'error',
          code: 'collection-path',
          path: 'steps[0].iterationMapping.collection',
          line: 7,
          column: 19,
          message: /written \$\.files/,
        },
      ],
    );
  });

  it('requires exactly one of duration and timestamp on a wait step', () => {
    expectProblems(
      flow('  - type: wait\n    name: w\n    duration: 5\n    timestamp: "2019-05-02T15:04:05Z"\n'),
      [
        {
          severity: 'error',
          code: 'wait-duration-timestamp',
          path: 'steps[0].timestamp',
          line: 7,
          column: 16,
        },
      ],
    );
    expectProblems(flow('  - type: wait\n    name: w\n'), [
      {
        severity: 'error',
        code: 'wait-duration-timestamp',
        path: 'steps[0].duration',
        line: 4,
        column: 5,
      },
    ]);
  });

  it('checks wait ranges, paths and timestamps', () => {
    expectProblems(flow('  - type: wait\n    name: w\n    duration: 172801\n'), [
      { severity: 'error', code: 'out-of-range', path: 'steps[0].duration', line: 6, column: 15 },
    ]);
    expectProblems(flow('  - type: wait\n    name: w\n    timestamp: tomorrow\n'), [
      { severity: 'error', code: 'invalid-value', path: 'steps[0].timestamp', line: 6, column: 16 },
    ]);
    // A date RFC 3339 rules out, which Date.parse would roll over to March 1.
    expectProblems(flow('  - type: wait\n    name: w\n    timestamp: "2026-02-29T12:00:00Z"\n'), [
      { severity: 'error', code: 'invalid-value', path: 'steps[0].timestamp', line: 6, column: 16 },
    ]);
    expect(problemsOf(flow('  - type: wait\n    name: w\n    duration: $.sleep\n'))).toEqual([]);
  });

  it('limits the length of a fail step error name', () => {
    expectProblems(flow(`  - type: fail\n    name: f\n    error: ${'E'.repeat(129)}\n`), [
      { severity: 'error', code: 'out-of-range', path: 'steps[0].error', line: 6, column: 12 },
    ]);
  });
});

describe('parseFlow: totality', () => {
  it('returns the flow with warnings but without errors', () => {
    const r = parseFlow(flow('  - type: pass\n    name: a\n    color: red\n'));
    expect(r.flow?.steps).toEqual([{ type: 'pass', name: 'a' }]);
    expect(r.problems.map((p) => p.severity)).toEqual(['warning']);
  });

  it('stops expanding a YAML alias bomb and says so', () => {
    let defs = '  a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n';
    for (let i = 1; i < 10; i++)
      defs += `  a${i}: &a${i} [${Array(10)
        .fill(`*a${i - 1}`)
        .join(', ')}]\n`;
    const text = `version: v1\ntype: flow\ndefs:\n${defs}steps:\n  - type: pass\n    name: p\n    outputMappings:\n      - target: bomb\n        source: *a9\n`;
    const started = Date.now();
    const r = parseFlow(text);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(r.flow).toBeUndefined();
    expect(r.problems).toContainEqual(
      expect.objectContaining({
        severity: 'error',
        code: 'yaml-syntax',
        message: expect.stringMatching(/too many alias expansions/),
      }),
    );
  });

  it('counts what a wide anchor expands to, not just how many aliases point at it', () => {
    // 300 keys, referenced 600 times: few aliases, but 180,000 nodes once expanded.
    const keys = Array.from({ length: 300 }, (_, i) => `    k${i}: v`).join('\n');
    const uses = Array.from(
      { length: 600 },
      (_, i) => `      - target: t${i}\n        source: *wide`,
    ).join('\n');
    const text = `version: v1\ntype: flow\ndefs:\n  wide: &wide\n${keys}\nsteps:\n  - type: pass\n    name: p\n    outputMappings:\n${uses}\n`;
    const r = parseFlow(text);
    expect(r.flow).toBeUndefined();
    expect(r.problems).toContainEqual(
      expect.objectContaining({
        code: 'yaml-syntax',
        message: expect.stringMatching(/too many alias expansions/),
      }),
    );
  });

  it('names a merge key (<<) instead of reporting the fields it would have merged as missing', () => {
    const r = parseFlow(
      'version: v1\ntype: flow\nsteps:\n  - &b {type: pass, name: a}\n  - <<: *b\n    name: p\n',
    );
    expect(r.problems).toContainEqual(
      expect.objectContaining({
        code: 'yaml-syntax',
        line: 5,
        message: expect.stringMatching(/merge keys \(<<\) are not supported/),
      }),
    );
    expect(r.problems.map((p) => p.code)).not.toContain('required-field');
  });

  it('follows an alias for a step type, as for any other field', () => {
    const r = parseFlow(
      'version: v1\ntype: flow\nsteps:\n  - type: &t pass\n    name: a\n  - type: *t\n    name: b\n',
    );
    expect(r.problems).toEqual([]);
    expect(r.flow?.steps.map((st) => st.type)).toEqual(['pass', 'pass']);
  });

  it('does not throw on YAML anchors, aliases and tags', () => {
    const r = parseFlow(
      'version: v1\ntype: flow\nsteps:\n  - &s {type: pass, name: a}\n  - *s\n  - !!binary aGk=\n',
    );
    expect(r.flow).toBeUndefined();
    expect(r.problems.map((p) => p.code)).toEqual(['invalid-type', 'duplicate-step-name']);
  });
});

describe('parseFlow: smaller rules', () => {
  it('takes FlowName in the parameters of an fnf:StartExecution action, as awesome-fnf oss-copy does', () => {
    const r = parseFlow(
      'version: v1\ntype: flow\nsteps:\n  - type: task\n    name: start\n    action: fnf:StartExecution\n    serviceParams:\n      FlowName: $.flow_name\n      ExecutionName: $.name\n      Input: $\n',
    );
    expect(r.problems).toEqual([]);
  });

  it('rejects an invalid flow name', () => {
    expectProblems('version: v1\ntype: flow\nname: 9lives\nsteps:\n  - type: pass\n    name: a\n', [
      { severity: 'error', code: 'invalid-value', path: 'name', line: 3, column: 7 },
    ]);
  });

  it('warns that the flow local is empty when flow inputMappings run', () => {
    expectProblems(
      'version: v1\ntype: flow\ninputMappings:\n  - target: a\n    source: $local.a\nsteps:\n  - type: pass\n    name: a\n',
      [
        {
          severity: 'warning',
          code: 'mapping-source',
          path: 'inputMappings[0].source',
          line: 5,
          column: 13,
        },
      ],
    );
  });

  it('warns about errorMappings without catch and about $local fields other than error and cause', () => {
    expectProblems(
      flow(
        '  - type: task\n    name: t\n    resourceArn: acs:fc:::functions/f\n    errorMappings:\n      - target: e\n        source: $local.message\n',
      ),
      [
        {
          severity: 'warning',
          code: 'mapping-source',
          path: 'steps[0].errorMappings[0].source',
          line: 9,
          column: 17,
          message: /only error and cause/,
        },
        {
          severity: 'warning',
          code: 'invalid-value',
          path: 'steps[0].errorMappings',
          line: 8,
          column: 7,
          message: /no catch/,
        },
      ],
    );
  });

  it('requires error names in catch policies', () => {
    expectProblems(
      flow(
        '  - type: task\n    name: t\n    resourceArn: acs:fc:::functions/f\n    catch:\n      - errors: []\n        goto: t\n',
      ),
      [
        {
          severity: 'error',
          code: 'empty-list',
          path: 'steps[0].catch[0].errors',
          line: 8,
          column: 17,
        },
      ],
    );
  });

  it('rejects MNS queue names with characters MNS does not allow', () => {
    expectProblems(
      flow('  - type: task\n    name: t\n    resourceArn: acs:mns:::/queues/my_queue/messages\n'),
      [
        {
          severity: 'error',
          code: 'resource-arn',
          path: 'steps[0].resourceArn',
          line: 6,
          column: 18,
        },
      ],
    );
  });

  it('accepts an MNS queue name that starts with a digit, as MNS and the local queue service do', () => {
    expectProblems(
      flow('  - type: task\n    name: t\n    resourceArn: acs:mns:::/queues/1-orders/messages\n'),
      [],
    );
  });

  it('rejects a foreach whose item and index keys are the same', () => {
    expectProblems(
      flow(
        '  - type: foreach\n    name: f\n    iterationMapping:\n      collection: $.xs\n      item: x\n      index: x\n    steps:\n      - type: pass\n        name: a\n',
      ),
      [
        {
          severity: 'error',
          code: 'invalid-value',
          path: 'steps[0].iterationMapping.index',
          line: 9,
          column: 14,
        },
      ],
    );
  });

  it('treats a goto back to an earlier step as reachable and valid', () => {
    const r = parseFlow(
      flow(
        '  - type: wait\n    name: poll\n    duration: 5\n  - type: choice\n    name: done\n    choices:\n      - condition: $.ready\n        goto: finish\n    default:\n      goto: poll\n  - type: succeed\n    name: finish\n',
      ),
    );
    expect(r.problems).toEqual([]);
  });
});
