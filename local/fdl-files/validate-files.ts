import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import { type Problem, parseFlowDocument, sortProblems } from '../../shared/fdl';
import { loadProject, ProjectError } from '../project/load';
import type { Project } from '../project/model';
import { checkFlowAgainstProject } from './cross-check';

/** Options of validateFiles. */
export interface ValidateFilesOptions {
  /** FDL files, and/or an s.yaml (then every flow it declares is checked). */
  files: string[];
  /** s.yaml for cross-file checks; `false` turns them off; undefined looks for ./s.yaml. */
  project?: string | false;
  cwd?: string;
}

/** The outcome of validating files. */
export interface ValidateFilesResult {
  problems: Problem[];
  /** Files that were checked (display paths). */
  files: string[];
  /** The s.yaml used for cross-file checks, if any. */
  projectFile?: string;
}

/** True for a Serverless Devs project file. */
function isProjectFile(file: string): boolean {
  return /^s\.ya?ml$/i.test(basename(file));
}

/**
 * Validates FDL files, and checks them against s.yaml when one is given or found: the file
 * side of `queueflow validate`.
 */
export function validateFiles(options: ValidateFilesOptions): ValidateFilesResult {
  const cwd = options.cwd ?? process.cwd();
  const display = (f: string) => relative(cwd, f) || f;
  const problems: Problem[] = [];

  // A folder stands for the *.flow.yaml files in it.
  const given = options.files
    .map((f) => resolve(cwd, f))
    .flatMap((f) => (isDirectory(f) ? listFlowFiles(f) : [f]));
  const projectArg = given.find(isProjectFile);
  const flowFiles = given.filter((f) => !isProjectFile(f));
  let projectPath: string | undefined;
  if (options.project !== false) {
    if (typeof options.project === 'string') projectPath = resolve(cwd, options.project);
    else if (projectArg) projectPath = projectArg;
    else if (existsSync(resolve(cwd, 's.yaml'))) projectPath = resolve(cwd, 's.yaml');
  }

  let project: Project | undefined;
  if (projectPath) {
    try {
      project = loadProject(projectPath);
      for (const w of project.warnings ?? []) {
        problems.push({
          severity: 'warning',
          code: 'project',
          message: w,
          path: '',
          file: display(projectPath),
          line: 1,
          column: 1,
        });
      }
    } catch (err) {
      problems.push(projectProblem(err, display(projectPath), display));
    }
  }
  const byFile = new Map<string, string>();
  for (const f of project?.flows ?? []) byFile.set(resolve(f.definitionFile), f.name);
  const nothingGiven = options.files.length === 0;
  if (projectArg || (nothingGiven && project)) {
    for (const f of project?.flows ?? []) {
      const file = resolve(f.definitionFile);
      if (!flowFiles.includes(file)) flowFiles.push(file);
    }
  }
  if (nothingGiven) {
    // With no arguments, also check every flows/*.flow.yaml, declared in s.yaml or not.
    for (const file of listFlowFiles(join(cwd, 'flows'))) {
      if (!flowFiles.includes(file)) flowFiles.push(file);
    }
  }

  for (const file of flowFiles) {
    const shown = display(file);
    let text: string;
    try {
      // Fatal decoding: invalid UTF-8 would otherwise turn into U+FFFD unnoticed.
      text = new TextDecoder('utf-8', { fatal: true }).decode(readFileSync(file));
    } catch (err) {
      problems.push({
        severity: 'error',
        code: 'yaml-syntax',
        message:
          err instanceof TypeError &&
          (err as { code?: string }).code === 'ERR_ENCODING_INVALID_ENCODED_DATA'
            ? 'the file is not valid UTF-8 (save it as UTF-8)'
            : `cannot read the file: ${err instanceof Error ? err.message : String(err)}`,
        path: '',
        file: shown,
        line: 1,
        column: 1,
      });
      continue;
    }
    const doc = parseFlowDocument(text, { file: shown });
    problems.push(...doc.problems);
    if (doc.partial && project) {
      const flowName = byFile.get(file);
      const projectLabel = display(project.file);
      const checkOptions = flowName ? { flowName, projectLabel } : { projectLabel };
      for (const p of checkFlowAgainstProject(doc.partial, project, checkOptions)) {
        problems.push({ ...p, ...doc.locate(p.path), file: shown });
      }
    }
  }
  const result: ValidateFilesResult = {
    problems: sortProblems(problems),
    files: flowFiles.map(display),
  };
  if (projectPath && project) result.projectFile = display(projectPath);
  return result;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function listFlowFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => /\.flow\.ya?ml$/.test(name))
    .sort()
    .map((name) => join(dir, name));
}

function projectProblem(err: unknown, shown: string, display: (f: string) => string): Problem {
  if (err instanceof ProjectError) {
    return {
      severity: 'error',
      code: 'project',
      message: err.detail,
      path: err.path ?? '',
      file: display(err.file),
      line: err.line ?? 1,
      column: 1,
    };
  }
  return {
    severity: 'error',
    code: 'project',
    message: `cannot load the project: ${err instanceof Error ? err.message : String(err)}`,
    path: '',
    file: shown,
    line: 1,
    column: 1,
  };
}
