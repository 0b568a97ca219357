import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { isNode, LineCounter, parseDocument } from 'yaml';
import { ProjectError, type ProjectErrorCode } from './errors';

/** A path into a parsed YAML tree: keys and array indices. */
export type NodePath = readonly (string | number)[];

/** A YAML file parsed to plain data, which can say where a path is. */
export interface YamlSource {
  file: string;
  displayFile: string;
  data: unknown;
  /** 1-based line of the node at `path`, or of its nearest existing parent. */
  lineOf(path: NodePath): number | undefined;
  /** A ProjectError located at `path` in this file. */
  error(path: NodePath, detail: string, code?: ProjectErrorCode, cause?: unknown): ProjectError;
}

/** True for a YAML mapping read as plain data (not an array, not null). */
export const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** `resources.task-worker.props.triggers[0].triggerConfig` */
export function formatPath(path: NodePath): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out ? `.${seg}` : seg;
  }
  return out;
}

/** Reads and parses a YAML (or JSON) file; `baseDir` makes the display name relative. */
export function readYamlSource(
  file: string,
  baseDir: string,
  referencedFrom?: () => ProjectError,
): YamlSource {
  const displayFile = relative(baseDir, file) || file;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    if (referencedFrom) throw referencedFrom();
    const code = (cause as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? `no such file (looked for ${file})`
        : code === 'EISDIR'
          ? 'it is a folder; give the s.yaml file in it'
          : code === 'EACCES'
            ? 'permission denied'
            : cause instanceof Error
              ? cause.message
              : String(cause);
    throw new ProjectError(
      'ProjectFileNotFound',
      { file, displayFile },
      `cannot read the file: ${why}`,
      {
        cause,
      },
    );
  }
  // UTF-16 (a BOM, or NULs between ASCII letters) read as UTF-8 gives garbage
  // that fails later with a misleading message: say what it is.
  if (/^\uFFFD\uFFFD|\0/.test(text)) {
    throw new ProjectError(
      'ProjectParseError',
      { file, displayFile, line: 1 },
      'is not UTF-8 text (it looks like UTF-16); save it as UTF-8',
    );
  }
  const lineCounter = new LineCounter();
  // merge: `<<: *anchor` merges as s itself reads it (yaml 2 keeps `<<` as a key otherwise).
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, merge: true });
  const lineAt = (offset: number | undefined) =>
    offset === undefined ? undefined : lineCounter.linePos(offset).line;
  const first = doc.errors[0];
  if (first) {
    throw new ProjectError(
      'ProjectParseError',
      { file, displayFile, line: lineAt(first.pos[0]) },
      `not valid YAML: ${first.message.split('\n')[0]}`,
    );
  }
  const lineOf = (path: NodePath): number | undefined => {
    for (let n = path.length; n >= 0; n--) {
      const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
      if (isNode(node) && node.range) return lineAt(node.range[0]);
    }
    return undefined;
  };
  return {
    file,
    displayFile,
    data: doc.toJS({ maxAliasCount: 100 }),
    lineOf,
    error: (path, detail, code = 'ProjectInvalid', cause) =>
      new ProjectError(
        code,
        { file, displayFile, path: formatPath(path) || undefined, line: lineOf(path) },
        detail,
        cause === undefined ? undefined : { cause },
      ),
  };
}
