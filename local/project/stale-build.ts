import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import type { Project } from './model';

/** The source folders a project's bundles are built from (scripts/build.mjs). */
const SOURCE_FOLDERS = ['functions', 'shared'];

/** The most recently modified file under `paths` (folders walked, node_modules skipped). */
function newestFile(paths: readonly string[]): { file: string; mtimeMs: number } | undefined {
  let newest: { file: string; mtimeMs: number } | undefined;
  for (const path of paths) {
    if (!existsSync(path)) continue;
    const st = statSync(path);
    const found = st.isDirectory()
      ? newestFile(
          readdirSync(path)
            .filter((entry) => entry !== 'node_modules')
            .map((entry) => join(path, entry)),
        )
      : { file: path, mtimeMs: st.mtimeMs };
    if (found && (!newest || found.mtimeMs > newest.mtimeMs)) newest = found;
  }
  return newest;
}

/**
 * Says when a function runs an older build than its sources: the local stack
 * runs the BUILT bundles s.yaml names (dist/), and only `npm start` rebuilds
 * before it starts. Checks the functions whose code folder is under the
 * project's dist/ against the newest file in its functions/ and shared/;
 * undefined when they are current, or when the project keeps its code elsewhere.
 */
export function staleBuildWarning(project: Project): string | undefined {
  const root = dirname(project.file);
  const dist = join(root, 'dist') + sep;
  const bundles = project.functions
    .filter((f) => `${f.codeDir}${sep}`.startsWith(dist))
    .map((f) => newestFile([f.codeDir]))
    .filter((b) => b !== undefined);
  if (bundles.length === 0) return undefined;
  const built = Math.min(...bundles.map((b) => b.mtimeMs));
  const changed = newestFile(SOURCE_FOLDERS.map((s) => join(root, s)));
  if (!changed || changed.mtimeMs <= built) return undefined;
  const at = (ms: number) => new Date(ms).toISOString().slice(11, 19);
  return `dist/ is older than ${relative(root, changed.file)} (changed ${at(changed.mtimeMs)} UTC, built ${at(built)} UTC): the functions run the last build; run \`npm run build\` (npm start builds first)`;
}
