import type { Command } from 'commander';
import {
  LOCAL_ACCESS_KEY_ID,
  LOCAL_ACCESS_KEY_SECRET,
  LOCAL_ACCOUNT_ID,
  LOCAL_REGION,
} from '../../credentials';
import { createLogger, type LogLevel } from '../../log';
import { startLocalStack } from '../../stack';
import { parsePort } from '../options';

interface LocalOptions {
  port: number;
  host: string;
  dataDir: string;
  memory: boolean;
  readyJson: boolean;
  relaxLimits: boolean;
  logLevel: LogLevel;
}

/** `queueflow local`: run the local stack until Ctrl-C. */
export function registerLocalCommand(program: Command): void {
  program
    .command('local')
    .description(
      'Start the local stack: MNS queue service, on one port, backed by one SQLite file.',
    )
    .option('-p, --port <port>', 'TCP port (0 picks a free one)', parsePort, 9300)
    .option('--host <address>', 'address to bind; keep 127.0.0.1 unless you mean it', '127.0.0.1')
    .option(
      '-d, --data-dir <dir>',
      'data folder for the SQLite file',
      process.env.QUEUEFLOW_DATA_DIR ?? '.queueflow',
    )
    .option('--memory', 'keep all state in memory (nothing survives exit)', false)
    .option('--ready-json', 'print one JSON line with the endpoint once ready (for scripts)', false)
    .option(
      '--relax-limits',
      'do not enforce the cloud limits (message and step data sizes)',
      false,
    )
    .option('--log-level <level>', 'debug, info, warn, error or silent', 'info')
    .addHelpText(
      'after',
      `
The local credentials are fixed and documented (local use only):
  AccessKeyId     ${LOCAL_ACCESS_KEY_ID}
  AccessKeySecret ${LOCAL_ACCESS_KEY_SECRET}
  AccountId       ${LOCAL_ACCOUNT_ID}
  Region          ${LOCAL_REGION}

Examples:
  queueflow local                      # 127.0.0.1:9300, data in .queueflow/
  queueflow local --port 0 --memory --ready-json
`,
    )
    .action(async (opts: LocalOptions) => {
      const logger = createLogger({ level: opts.logLevel });
      const stack = await startLocalStack({
        port: opts.port,
        host: opts.host,
        ...(opts.memory ? { memory: true } : { dataDir: opts.dataDir }),
        relaxLimits: opts.relaxLimits,
        logger,
      });
      if (opts.readyJson) {
        process.stdout.write(
          `${JSON.stringify({
            endpoint: stack.endpoint,
            port: stack.port,
            accessKeyId: stack.credentials.accessKeyId,
            accessKeySecret: stack.credentials.accessKeySecret,
            accountId: stack.accountId,
            region: stack.region,
            dataDir: stack.store.dataDir,
          })}\n`,
        );
      } else {
        process.stdout.write(
          [
            `queueflow local stack listening on ${stack.endpoint}`,
            `  MNS endpoint     ${stack.endpoint}`,
            `  AccessKeyId      ${stack.credentials.accessKeyId}`,
            `  AccessKeySecret  ${stack.credentials.accessKeySecret}  (local only)`,
            `  AccountId        ${stack.accountId}   Region ${stack.region}`,
            `  data             ${stack.store.file ?? 'in memory'}`,
            'Press Ctrl-C to stop.',
            '',
          ].join('\n'),
        );
      }
      await waitForSignal();
      await stack.stop();
    });
}

function waitForSignal(): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      resolve();
    };
    process.on('SIGINT', done);
    process.on('SIGTERM', done);
  });
}
