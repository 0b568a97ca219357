import { accessSync, constants, statSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import type { Command } from 'commander';
import { createFdlJsonSchema, formatProblem, type Problem } from '../../../shared/fdl';
import { validateFiles } from '../../fdl-files/validate-files';

interface ValidateOptions {
  project?: string | false;
  format: 'text' | 'json' | 'github';
  strict: boolean;
  quiet: boolean;
  printSchema: boolean;
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
      'FDL files (*.flow.yaml) and/or s.yaml; default: the flows s.yaml declares and flows/*.flow.yaml',
    )
    .option(
      '--project <s.yaml>',
      'project file for cross-file checks (default: ./s.yaml if present)',
    )
    .option('--no-project', 'skip the cross-file checks')
    .option(
      '--format <format>',
      'text (file:line:col severity code message (path)), json, or github (GitHub Actions annotations)',
      'text',
    )
    .option('--strict', 'exit 1 on warnings too', false)
    .option('-q, --quiet', 'print errors only', false)
    .option('--print-schema', 'print a JSON Schema of FDL v1 for editors, then exit', false)
    .addHelpText(
      'after',
      `
Exit status: 0 when there are no errors (no warnings either with --strict), 1 otherwise,
2 on bad usage. Problem codes are listed in docs/fdl.md.

Examples:
  npx queueflow validate                      # s.yaml's flows and flows/*.flow.yaml, cross-checked
  npx queueflow validate flows/*.flow.yaml
  npx queueflow validate --format json flows/demo.flow.yaml
  npx queueflow validate --format github --strict   # in a GitHub Actions step
  npx queueflow validate --print-schema > fdl.schema.json   # completion in YAML editors
`,
    )
    // Usage errors (an unknown option, a missing value) exit 2 as the help says,
    // so CI tells a typo in the command from problems in the flows.
    .exitOverride((err) => {
      process.exit(err.exitCode === 0 ? 0 : 2);
    })
    .action((files: string[], opts: ValidateOptions) => {
      if (opts.printSchema) {
        process.stdout.write(`${JSON.stringify(createFdlJsonSchema(), null, 2)}\n`);
        return;
      }
      if (!['text', 'json', 'github'].includes(opts.format)) {
        process.stderr.write(
          `queueflow validate: --format must be text, json or github, got "${opts.format}"\n`,
        );
        process.exitCode = 2;
        return;
      }
      const unusable = files.map((f) => unusableInput(f)).filter((m) => m !== undefined);
      if (unusable.length > 0) {
        for (const m of unusable) process.stderr.write(`queueflow validate: ${m}\n`);
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
        const format = opts.format === 'github' ? formatGithub : formatProblem;
        for (const p of shown) process.stdout.write(`${format(p)}\n`);
        const against = result.projectFile ? ` (checked against ${result.projectFile})` : '';
        process.stderr.write(
          `${result.files.length} file${result.files.length === 1 ? '' : 's'}${against}: ${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}\n`,
        );
      }
      if (errors > 0 || (opts.strict && warnings > 0)) process.exitCode = 1;
    });
}

const CODE_EXTENSIONS = new Set(['.ts', '.mts', '.cts', '.js', '.mjs', '.cjs']);

/** Short reasons for the usual file errors (Node's text repeats the code and the path). */
const READ_ERRORS: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
};

/**
 * Why a file argument cannot be validated at all, or undefined when it can: a
 * missing or unreadable file, or a typed flow (TypeScript/JavaScript) given where
 * FDL YAML is expected. These are usage errors, not problems in a flow.
 */
export function unusableInput(file: string, cwd: string = process.cwd()): string | undefined {
  const path = resolve(cwd, file);
  // A folder is fine (whatever its name): it stands for the *.flow.yaml files in it.
  if (statSync(path, { throwIfNoEntry: false })?.isDirectory()) return undefined;
  if (CODE_EXTENSIONS.has(extname(file).toLowerCase())) {
    return `${file} is TypeScript or JavaScript, and validate reads FDL YAML (*.flow.yaml): write a typed flow's YAML with emitFlow(flow) from shared/fdl and validate that file (see docs/fdl.md).`;
  }
  try {
    accessSync(path, constants.R_OK);
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    const reason =
      typeof code === 'string' && READ_ERRORS[code]
        ? READ_ERRORS[code]
        : err instanceof Error
          ? err.message
          : String(err);
    return `cannot read ${file}: ${reason}`;
  }
  return undefined;
}

/** A GitHub Actions workflow command, so CI shows each problem on the line it is about. */
export function formatGithub(p: Problem): string {
  const escapeData = (v: string) =>
    v.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
  const escapeProperty = (v: string) => escapeData(v).replace(/:/g, '%3A').replace(/,/g, '%2C');
  const props = [
    `file=${escapeProperty(p.file ?? '')}`,
    `line=${p.line ?? 1}`,
    `col=${p.column ?? 1}`,
    `title=${escapeProperty(`fdl ${p.code}`)}`,
  ].join(',');
  const path = p.path ? ` (${p.path})` : '';
  return `::${p.severity === 'error' ? 'error' : 'warning'} ${props}::${escapeData(p.message + path)}`;
}
