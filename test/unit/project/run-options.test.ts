import { describe, expect, it } from 'vitest';
import { loadProject } from '../../../local/project/load';
import type { Project } from '../../../local/project/model';
import {
  mnsTrigger,
  projectErrorOf,
  projectFolders,
  workerSpec,
} from '../../support/project-files';

const folders = projectFolders('queueflow-run-options-');

const RUN = 'resources.worker.props.triggers[0].triggerConfig.runOptions';

/** Loads an s.yaml with one queue-triggered function whose runOptions are `runOptions`. */
function load(runOptions: Record<string, unknown>, mode = 'event-streaming'): Project {
  const spec = workerSpec({
    props: { triggers: [mnsTrigger({ runOptions: { mode, ...runOptions } }, {})] },
  });
  return loadProject(folders.write(spec), { env: {} });
}

function retryOf(project: Project) {
  const t = project.functions[0]?.triggers[0];
  return t?.kind === 'mns-queue' ? t.retry : undefined;
}

const loadError = (runOptions: Record<string, unknown>) => projectErrorOf(() => load(runOptions));

describe('the MNS trigger runOptions retry settings', () => {
  it('default to BACKOFF_RETRY, 3 retries, errorsTolerance ALL and no dead-letter queue', () => {
    expect(retryOf(load({}))).toEqual({
      strategy: 'BACKOFF_RETRY',
      maxRetries: 3,
      maxEventAgeSeconds: 0,
      errorsTolerance: 'ALL',
    });
  });

  it('carry the strategy, the limits, the tolerance and the dead-letter queue name', () => {
    const project = load({
      errorsTolerance: 'ALL',
      retryStrategy: {
        PushRetryStrategy: 'EXPONENTIAL_DECAY_RETRY',
        MaximumRetryAttempts: 20,
        MaximumEventAgeInSeconds: 3600,
      },
      deadLetterQueue: { Arn: 'acs:mns:cn-hangzhou:1234567890:/queues/jobs-dlq' },
    });
    expect(retryOf(project)).toEqual({
      strategy: 'EXPONENTIAL_DECAY_RETRY',
      maxRetries: 20,
      maxEventAgeSeconds: 3600,
      errorsTolerance: 'ALL',
      deadLetterQueue: 'jobs-dlq',
    });
  });

  it('read MaximumRetryAttempts 0, as the examples write it, as the strategy default', () => {
    const project = load({
      errorsTolerance: 'NONE',
      retryStrategy: {
        PushRetryStrategy: 'EXPONENTIAL_DECAY_RETRY',
        MaximumRetryAttempts: 0,
        MaximumEventAgeInSeconds: 0,
      },
    });
    expect(retryOf(project)).toMatchObject({ maxRetries: 176, errorsTolerance: 'NONE' });
  });

  it('use the defaults in event-driven mode and warn that runOptions are not applied', () => {
    const project = load({ errorsTolerance: 'NONE' }, 'event-driven');
    expect(retryOf(project)).toMatchObject({ strategy: 'BACKOFF_RETRY', errorsTolerance: 'ALL' });
    expect(project.warnings).toContain(
      'worker: trigger q: runOptions errorsTolerance apply only in event-streaming mode; defaults used',
    );
  });

  it.each([
    [{ errorsTolerance: 'SOME' }, `${RUN}.errorsTolerance: must be ALL or NONE, got "SOME"`],
    [
      { retryStrategy: { PushRetryStrategy: 'LINEAR' } },
      `${RUN}.retryStrategy.PushRetryStrategy: must be BACKOFF_RETRY or EXPONENTIAL_DECAY_RETRY, got "LINEAR"`,
    ],
    [
      { retryStrategy: { pushRetryStrategy: 'BACKOFF_RETRY' } },
      `${RUN}.retryStrategy.pushRetryStrategy: must be spelt PushRetryStrategy (these keys are capitalised)`,
    ],
    [
      { ErrorsTolerance: 'ALL' },
      `${RUN}.ErrorsTolerance: must be spelt errorsTolerance (these keys are camelCase)`,
    ],
    [
      { retryStrategy: { MaximumRetryAttempts: -1 } },
      `${RUN}.retryStrategy.MaximumRetryAttempts: must be >= 0, got -1`,
    ],
    [
      { retryStrategy: { MaximumEventAgeInSeconds: 'a day' } },
      `${RUN}.retryStrategy.MaximumEventAgeInSeconds: must be an integer, got "a day"`,
    ],
    [
      { deadLetterQueue: { Arn: 'acs:mns:cn-hangzhou:1:/topics/t' } },
      `${RUN}.deadLetterQueue.Arn: must be an MNS queue ARN acs:mns:<region>:<uid>:/queues/<name>, got "acs:mns:cn-hangzhou:1:/topics/t"`,
    ],
    [
      { deadLetterQueue: { arn: 'acs:mns:cn-hangzhou:1:/queues/d' } },
      `${RUN}.deadLetterQueue.arn: must be spelt Arn (these keys are capitalised)`,
    ],
    [
      { deadLetterQueue: { Arn: 'acs:mns:cn-hangzhou:1:/queues/jobs' } },
      `${RUN}.deadLetterQueue.Arn: must name another queue than the trigger's own (jobs)`,
    ],
  ])('refuse %j with the file, the path, the line and what is allowed', (runOptions, message) => {
    const err = loadError(runOptions);
    expect(err.code).toBe('ProjectInvalid');
    expect(err.message).toMatch(/^s\.yaml: /);
    expect(err.message).toContain(message);
    expect(err.line).toBeGreaterThan(0);
  });
});
