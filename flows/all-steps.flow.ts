// The TypeScript twin of flows/all-steps.flow.yaml; test/unit/fdl/flows.test.ts checks they are equal.
import {
  choice,
  fail,
  flow,
  flowTask,
  foreach,
  parallel,
  pass,
  queueTask,
  sequence,
  succeed,
  wait,
} from '../shared/fdl';

/** Every FDL v1 step type in one flow. */
export const allStepsFlow = flow({
  timeoutSeconds: 3600,
  inputMappings: { source: '$input.source', files: '$input.files' },
  steps: [
    pass({ name: 'init', outputMappings: { status: 'new', labels: ['A', 'B', 'C'] } }),
    choice({
      name: 'route',
      choices: [
        {
          condition: '$.status == "new" && $.files[0] != null',
          steps: sequence([pass({ name: 'mark', outputMappings: { mode: 'batch' } })]),
        },
        { condition: '$.status == "skip" || !$.files', goto: 'finish' },
      ],
    }),
    parallel({
      name: 'fanout',
      branches: [
        sequence([wait({ name: 'pause', duration: 1 })]),
        sequence([
          flowTask({
            name: 'child',
            flowName: 'queueflow-demo',
            pattern: 'sync',
            inputMappings: { source: '$input.source' },
            serviceParams: { Input: '$' },
          }),
        ]),
      ],
      outputMappings: { child: '$local[1]' },
    }),
    foreach({
      name: 'each_file',
      iterationMapping: { collection: '$.files', item: 'file', index: 'position' },
      steps: sequence([
        queueTask({
          name: 'extract',
          queue: 'queueflow-tasks',
          priority: 1,
          timeoutSeconds: 300,
          input: { task_type: 'extract', source: '$input.file' },
          retry: [
            {
              errors: ['FnF.TaskTimeout'],
              intervalSeconds: 1,
              maxIntervalSeconds: 10,
              maxAttempts: 2,
              multiplier: 2,
            },
          ],
          catch: [{ errors: ['FnF.ALL'], goto: 'skipped' }],
          errorMappings: { error: '$local.error', cause: '$local.cause' },
          end: true,
        }),
        pass({ name: 'skipped', outputMappings: { rows: 0 } }),
      ]),
      outputMappings: { rows: '$local[*].rows' },
    }),
    wait({ name: 'not_before', timestamp: '2019-05-02T15:04:05Z' }),
    choice({
      name: 'check',
      choices: [{ condition: '$.rows[0] > 0', goto: 'finish' }],
      default: {
        steps: sequence([
          fail({ name: 'no_rows', error: 'NoRows', cause: 'no file produced any rows' }),
        ]),
      },
    }),
    succeed({ name: 'finish' }),
  ],
});
