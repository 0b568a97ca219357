import type { Command } from 'commander';
import { formatProblem } from '../../../shared/fdl';
import { validateFiles } from '../../fdl-files/validate-files';

interface ValidateOptions {
  project?: string | false;
  format: 'text' | 'json';
  strict: boolean;
  quiet: boolean;
}

/** `queueflow validate <files...>`: check FDL files (and s.yaml references) before deploy. */
export function registerValidateCommand(program: Command): void {
  program
    .command('validate')
    .description(
      'Check FDL flow files, and their queues, functions and child flows against s.yaml.',
    )
    .argument(
      '[files...]',
      'FDL files (*.flow.yaml) and/or s.yaml; default: the flows s.yaml declares',
    )
    .option(
      '--project <s.yaml>',
      'project file for cross-file checks (default: ./s.yaml if present)',
    )
    .option('--no-project', 'skip the cross-file checks')
    .option(
      '--format <format>',
      'text (file:line:col severity code message (path)) or json',
      'text',
    )
    .option('--strict', 'exit 1 on warnings too', false)
    .option('-q, --quiet', 'print errors only', false)
    .addHelpText(
      'after',
      `
Exit status: 0 when there are no errors (no warnings either with --strict), 1 otherwise,
2 on bad usage. Problem codes are listed in docs/fdl.md.

Examples:
  queueflow validate                          # the flows s.yaml declares, with cross-file checks
  queueflow validate flows/*.flow.yaml
  queueflow validate --format json flows/demo.flow.yaml
`,
    )
    .action((files: string[], opts: ValidateOptions) => {
      if (opts.format !== 'text' && opts.format !== 'json') {
        process.stderr.write(
          `queueflow validate: --format must be text or json, got "${opts.format}"\n`,
        );
        process.exitCode = 2;
        return;
      }
      const result = validateFiles({
        files,
        ...(opts.project === undefined ? {} : { project: opts.project }),
      });
      if (result.files.length === 0 && result.problems.length === 0) {
        process.stderr.write(
          'queueflow validate: no files given and no s.yaml with flows here; pass FDL files or an s.yaml\n',
        );
        process.exitCode = 2;
        return;
      }
      const shown = opts.quiet
        ? result.problems.filter((p) => p.severity === 'error')
        : result.problems;
      const errors = result.problems.filter((p) => p.severity === 'error').length;
      const warnings = result.problems.length - errors;
      if (opts.format === 'json') {
        process.stdout.write(
          `${JSON.stringify({ files: result.files, project: result.projectFile ?? null, errors, warnings, problems: shown }, null, 2)}\n`,
        );
      } else {
        for (const p of shown) process.stdout.write(`${formatProblem(p)}\n`);
        const against = result.projectFile ? ` (checked against ${result.projectFile})` : '';
        process.stderr.write(
          `${result.files.length} file${result.files.length === 1 ? '' : 's'}${against}: ${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}\n`,
        );
      }
      if (errors > 0 || (opts.strict && warnings > 0)) process.exitCode = 1;
    });
}
