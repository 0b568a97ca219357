import type { Command } from 'commander';
import { loadConfig } from '../../../shared/clients/config';
import { createDeps } from '../../../shared/clients/deps';
import { redriveMessages } from '../../../shared/task/redrive';
import { formatCliError } from '../errors';
import { type CommandIo, processIo } from '../io';
import { envWithEndpoint, parsePositiveInt } from '../options';

interface RedriveOptions {
  from: string;
  to: string;
  max?: number;
  endpoint?: string;
}

/** `queueflow redrive`: moves dead-lettered task messages back to their queue. */
export function registerRedriveCommand(program: Command, io: CommandIo = processIo): void {
  program
    .command('redrive')
    .description(
      'Move messages from a dead-letter queue back to a work queue (e.g. after fixing a handler).',
    )
    .requiredOption('--from <queue>', 'the dead-letter queue to empty')
    .requiredOption('--to <queue>', 'the queue the worker or trigger reads')
    .option(
      '--max <n>',
      'move at most this many (default: until --from is empty)',
      parsePositiveInt,
    )
    .option(
      '--endpoint <url>',
      'local stack endpoint (default: QUEUEFLOW_ENDPOINT, else the cloud)',
    )
    .addHelpText(
      'after',
      `
Each message's body and priority go to --to, then it is deleted from --from.
At least once: a crash between the two leaves a copy in both queues, which task
messages tolerate (a second report gets TaskAlreadyCompleted). A task whose
execution has ended or timed out meanwhile is reported as already completed.
Credentials as for \`queueflow worker\` (local stack: the local key; cloud: the
ALIBABA_CLOUD_* variables).

Example:
  npx queueflow redrive --from queueflow-tasks-dlq --to queueflow-tasks --endpoint http://127.0.0.1:9300
`,
    )
    .action(async (opts: RedriveOptions) => {
      let local = false;
      try {
        if (opts.from === opts.to) throw new Error('--from and --to must be different queues');
        const deps = createDeps(loadConfig(envWithEndpoint(opts.endpoint)));
        local = deps.target.endpoint !== undefined;
        const result = await redriveMessages({
          queue: deps.queue,
          from: opts.from,
          to: opts.to,
          ...(opts.max === undefined ? {} : { max: opts.max }),
          onBatch: (t) => io.stdout(`moved ${t.moved} so far\n`),
        });
        const refused =
          result.notDeleted > 0
            ? `; ${result.notDeleted} sent but not deleted from ${opts.from} (they may be moved again)`
            : '';
        io.stdout(
          `redrive done: ${result.moved} moved from ${opts.from} to ${opts.to}${refused}\n`,
        );
      } catch (err) {
        // QueueError messages already name the action and the MNS code; nothing
        // listening at a local endpoint gets the same hint as the other commands.
        io.stderr(`queueflow redrive: ${formatCliError(err, { stackHint: local })}\n`);
        io.setExitCode(1);
      }
    });
}
