import type { Command } from 'commander';
import { compactDataFolder } from '../../store/compact';
import { DEFAULT_DATA_DIR } from '../../store/store';
import { type CommandIo, processIo } from '../io';

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

/** `queueflow compact`: gives a stopped stack's free database pages back to the disk. */
export function registerCompactCommand(program: Command, io: CommandIo = processIo): void {
  program
    .command('compact')
    .description(
      "Shrink a stopped stack's database file: rewrite it without the space deleted executions and messages left free.",
    )
    .option(
      '-d, --data-dir <dir>',
      'data folder of the stack (env QUEUEFLOW_DATA_DIR)',
      process.env.QUEUEFLOW_DATA_DIR ?? DEFAULT_DATA_DIR,
    )
    .addHelpText(
      'after',
      `
SQLite reuses the pages that deleted rows free (--retain-days, DeleteFlow,
deleted messages) but never gives them back to the disk; this rewrites the file
without them (SQLite's VACUUM). Stop the stack first: a folder a stack is using
is refused, and so is a file that is not queueflow's. It needs free disk space
of up to twice the database while it runs, and takes a few seconds (2 s for a
390 MB file here). Interrupted, it leaves the old file whole.

Example:
  npx queueflow compact --data-dir .queueflow
`,
    )
    .action((opts: { dataDir: string }) => {
      try {
        io.stdout(`compacting ${opts.dataDir} ...\n`);
        const r = compactDataFolder(opts.dataDir);
        io.stdout(
          `compacted ${opts.dataDir}: ${mb(r.beforeBytes)} -> ${mb(r.afterBytes)} (${mb(r.freeBytes)} was free)\n`,
        );
      } catch (err) {
        io.stderr(`queueflow compact: ${err instanceof Error ? err.message : String(err)}\n`);
        io.setExitCode(1);
      }
    });
}
