import { Command } from 'commander';
import { registerCompactCommand } from './commands/compact';
import { registerHistoryCommand } from './commands/history';
import { registerInvokeCommand } from './commands/invoke';
import { registerLocalCommand } from './commands/local';
import { registerRedriveCommand } from './commands/redrive';
import { registerStartExecutionCommand } from './commands/start-execution';
import { registerValidateCommand } from './commands/validate';
import { registerWorkerCommand } from './commands/worker';

/** Builds the `queueflow` command line. Each subcommand lives in its own file. */
export function createProgram(): Command {
  const program = new Command('queueflow')
    .description(
      'Orchestrate work through MNS queues and Serverless Workflow callbacks, locally and on Alibaba Cloud.',
    )
    .version(process.env.QUEUEFLOW_VERSION ?? '0.1.0')
    .showHelpAfterError('(run with --help for usage)');
  registerLocalCommand(program);
  registerWorkerCommand(program);
  registerStartExecutionCommand(program);
  registerHistoryCommand(program);
  registerInvokeCommand(program);
  registerRedriveCommand(program);
  registerValidateCommand(program);
  registerCompactCommand(program);
  return program;
}

/** Entry point of the bundled CLI. */
export async function main(argv: readonly string[] = process.argv): Promise<void> {
  await createProgram().parseAsync([...argv]);
}
