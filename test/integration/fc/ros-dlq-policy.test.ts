// A ROS queue's own DlqPolicy on the local stack: s.yaml -> loadProject -> the
// queue service's dead-letter extension, with the target declared after the queue.
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../local/clock';
import { silentLogger } from '../../../local/log';
import { startLocalStack } from '../../../local/stack';
import { infraResource, projectFolders } from '../../support/project-files';

const projects = projectFolders('queueflow-dlq-policy-');

function writeProject(): string {
  return projects.write(
    { edition: '3.0.0', name: 'dlq-policy', resources: { infra: infraResource() } },
    {
      ros: {
        ROSTemplateFormatVersion: '2015-09-01',
        Resources: {
          Jobs: {
            Type: 'ALIYUN::MNS::Queue',
            Properties: {
              QueueName: 'jobs',
              VisibilityTimeout: 5,
              DlqPolicy: { Enabled: true, DeadLetterTargetQueue: 'jobs-dlq', MaxReceiveCount: 2 },
            },
          },
          JobsDlq: {
            Type: 'ALIYUN::MNS::Queue',
            Properties: { QueueName: 'jobs-dlq', MessageRetentionPeriod: 604800 },
          },
        },
      },
    },
  );
}

describe('ROS DlqPolicy', () => {
  it('moves a message received MaxReceiveCount times to the dead-letter queue', async () => {
    const clock = new VirtualClock();
    const stack = await startLocalStack({
      port: 0,
      memory: true,
      clock,
      project: writeProject(),
      logger: silentLogger,
    });
    try {
      const { queues } = stack;
      // Created before jobs, with its own attributes (not the defaults a missing DLQ gets).
      expect(queues.getQueue('jobs-dlq').attributes.MessageRetentionPeriod).toBe(604800);
      expect(queues.getQueue('jobs').attributes).toMatchObject({
        DeadLetterQueue: 'jobs-dlq',
        MaxReceiveCount: 2,
      });
      queues.sendMessage('jobs', { body: 'poison' });
      const counts: number[] = [];
      for (let i = 0; i < 3; i++) {
        const got = await queues.receiveMessages('jobs', { max: 1, waitSeconds: 0 });
        counts.push(got.length);
        await clock.advance(6_000); // past the visibility timeout: it comes back
      }
      expect(counts).toEqual([1, 1, 0]);
      expect(queues.peekMessages('jobs-dlq', 16).map((m) => m.body)).toEqual(['poison']);
    } finally {
      await stack.stop();
    }
  });
});
