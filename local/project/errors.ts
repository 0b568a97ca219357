/** Stable codes of ProjectError. */
export type ProjectErrorCode =
  | 'ProjectFileNotFound'
  | 'ProjectParseError'
  | 'ProjectExpressionError'
  | 'ProjectInvalid';

/** Where in which file a project error is. */
export interface ProjectErrorLocation {
  /** Absolute path of the file. */
  file: string;
  /** How the message names the file (e.g. `s.yaml`, `infra/ros.yaml`). */
  displayFile: string;
  /** Dotted path inside the file, e.g. `resources.task-worker.props.triggers[0]`. */
  path?: string;
  /** 1-based line, when the YAML node is known. */
  line?: number;
}

/**
 * A problem in s.yaml or a file it points to. The message starts with the file
 * and the path (`s.yaml: resources.x.props.timeout: ...`) so it can be acted on.
 */
export class ProjectError extends Error {
  override readonly name = 'ProjectError';
  readonly code: ProjectErrorCode;
  readonly retryable = false;
  readonly file: string;
  readonly path: string | undefined;
  readonly line: number | undefined;
  /** The message without the location prefix. */
  readonly detail: string;

  constructor(
    code: ProjectErrorCode,
    where: ProjectErrorLocation,
    detail: string,
    options?: { cause?: unknown },
  ) {
    const at = where.path ? `${where.displayFile}: ${where.path}` : where.displayFile;
    const line = where.line ? ` (line ${where.line})` : '';
    super(`${at}: ${detail}${line}`, options);
    this.code = code;
    this.file = where.file;
    this.path = where.path;
    this.line = where.line;
    this.detail = detail;
  }
}
