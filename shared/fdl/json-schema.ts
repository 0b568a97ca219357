import { PATTERNS_BY_KIND } from './arn';
import { FDL_VERSIONS, LIMITS, STEP_TYPES, TASK_PATTERNS } from './schema';
import type { JsonObject } from './types';

const str = (description: string): JsonObject => ({ type: 'string', description });
const mappingList = (description: string): JsonObject => ({
  type: 'array',
  description,
  items: { $ref: '#/definitions/mapping' },
});

const common: JsonObject = {
  name: {
    type: 'string',
    minLength: 1,
    maxLength: LIMITS.nameMaxLength,
    description: 'Step name, unique among its siblings.',
  },
  inputMappings: mappingList("Builds this step's input from the parent's $input and $local."),
  outputMappings: mappingList("Builds this step's output from its $input and $local."),
};
const end: JsonObject = {
  end: { type: 'boolean', description: 'Stop the current steps list after this step.' },
};

function step(
  type: string,
  description: string,
  fields: JsonObject,
  required: string[] = [],
): JsonObject {
  return {
    type: 'object',
    description,
    properties: { type: { const: type }, ...common, ...fields },
    required: ['type', 'name', ...required],
    additionalProperties: false,
  };
}

/**
 * A JSON Schema (draft-07, which YAML editors support best) of FDL v1, for completion and hover
 * in editors (yaml-language-server). It checks shape only; `parseFlow` checks meaning (gotos,
 * ARNs, conditions, limits).
 * @example JSON.stringify(createFdlJsonSchema())
 */
export function createFdlJsonSchema(): JsonObject {
  const steps: JsonObject = { type: 'array', items: { $ref: '#/definitions/step' } };
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: 'https://queueflow.local/schemas/fdl-v1.json',
    title: 'Serverless Workflow FDL v1 flow',
    type: 'object',
    properties: {
      version: { enum: [...FDL_VERSIONS], description: 'FDL version.' },
      type: { const: 'flow' },
      name: str('Ignored by the service: the flow name comes from CreateFlow / s.yaml.'),
      steps: { ...steps, minItems: 1, description: 'Steps run in order.' },
      inputMappings: mappingList('Builds the flow input from the execution input.'),
      outputMappings: mappingList('Builds the execution output from the flow $input and $local.'),
      timeoutSeconds: { type: 'integer', minimum: 1, maximum: LIMITS.timeoutMaxSeconds },
    },
    required: ['version', 'type', 'steps'],
    additionalProperties: false,
    definitions: {
      mapping: {
        type: 'object',
        properties: {
          target: { type: 'string', minLength: 1, description: 'A key of the object being built.' },
          source: { description: 'A path ($input…, $local…, $context…, $.x) or a constant.' },
        },
        required: ['target', 'source'],
        additionalProperties: false,
      },
      steps,
      errors: { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1 },
      step: {
        type: 'object',
        required: ['type'],
        properties: { type: { enum: [...STEP_TYPES] } },
        oneOf: [
          step('task', 'Calls an FC function, an MNS queue or topic, or a child flow.', {
            ...end,
            resourceArn: str(
              'acs:mns:::/queues/<q>/messages, acs:mns:::/topics/<t>/messages, acs:fc:::functions/<f>, acs:fnf:::flow/<name>',
            ),
            action: { enum: ['fnf:StartExecution'] },
            pattern: {
              enum: [...TASK_PATTERNS],
              description: `MNS: ${PATTERNS_BY_KIND['mns-queue'].join(', ')}; FC: ${PATTERNS_BY_KIND.fc.join(', ')}; child flow: all.`,
            },
            timeoutSeconds: { type: 'integer', minimum: 1, maximum: LIMITS.timeoutMaxSeconds },
            serviceParams: {
              type: 'object',
              description: 'MessageBody: $ sends the mapped input.',
            },
            retry: {
              type: 'array',
              items: {
                type: 'object',
                properties: {
                  errors: { $ref: '#/definitions/errors' },
                  intervalSeconds: {
                    type: 'integer',
                    minimum: 1,
                    maximum: LIMITS.retryIntervalMax,
                  },
                  maxIntervalSeconds: {
                    type: 'integer',
                    minimum: 1,
                    maximum: LIMITS.retryIntervalMax,
                  },
                  maxAttempts: { type: 'integer', minimum: 0 },
                  multiplier: { type: 'number', minimum: 1 },
                },
                required: ['errors'],
                additionalProperties: false,
              },
            },
            catch: {
              type: 'array',
              items: {
                type: 'object',
                properties: {
                  errors: { $ref: '#/definitions/errors' },
                  goto: str('A sibling step.'),
                },
                required: ['errors', 'goto'],
                additionalProperties: false,
              },
            },
            errorMappings: mappingList('On a caught error: $local.error and $local.cause.'),
          }),
          step('pass', 'Reshapes data; does nothing else.', end),
          step(
            'choice',
            'Runs the first branch whose condition holds.',
            {
              ...end,
              choices: {
                type: 'array',
                minItems: 1,
                items: {
                  type: 'object',
                  properties: {
                    condition: str('e.g. $.status == "ready" && $.n >= 3'),
                    steps: { $ref: '#/definitions/steps' },
                    goto: str('A sibling step.'),
                  },
                  required: ['condition'],
                  additionalProperties: false,
                },
              },
              default: {
                type: 'object',
                properties: {
                  steps: { $ref: '#/definitions/steps' },
                  goto: str('A sibling step.'),
                },
                additionalProperties: false,
              },
            },
            ['choices'],
          ),
          step(
            'parallel',
            'Runs every branch at the same time.',
            {
              ...end,
              branches: {
                type: 'array',
                minItems: 1,
                maxItems: LIMITS.parallelBranches,
                items: {
                  type: 'object',
                  properties: { steps: { allOf: [{ $ref: '#/definitions/steps' }], minItems: 1 } },
                  required: ['steps'],
                  additionalProperties: false,
                },
              },
            },
            ['branches'],
          ),
          step(
            'foreach',
            'Runs steps once per item of a collection.',
            {
              ...end,
              iterationMapping: {
                type: 'object',
                properties: {
                  collection: {
                    type: 'string',
                    pattern: '^\\$',
                    description: 'A $.path to an array.',
                  },
                  item: str('Key of the item in the iteration input.'),
                  index: str('Key of the index in the iteration input.'),
                },
                required: ['collection', 'item'],
                additionalProperties: false,
              },
              steps: { allOf: [{ $ref: '#/definitions/steps' }], minItems: 1 },
            },
            ['iterationMapping', 'steps'],
          ),
          {
            ...step('wait', 'Waits for a duration or until a timestamp (exactly one).', {
              ...end,
              duration: {
                oneOf: [
                  { type: 'number', minimum: 0, maximum: LIMITS.waitMaxSeconds },
                  { type: 'string', pattern: '^\\$' },
                ],
              },
              timestamp: str('RFC3339, e.g. 2019-05-02T15:04:05Z, or a $.path'),
            }),
            oneOf: [{ required: ['duration'] }, { required: ['timestamp'] }],
          },
          step('succeed', 'Ends the flow successfully.', {}),
          step('fail', 'Ends the flow with an error.', {
            error: { type: 'string', minLength: 1, maxLength: LIMITS.errorNameMaxLength },
            cause: { type: 'string', maxLength: LIMITS.causeMaxLength },
          }),
        ],
      },
    },
  };
}
