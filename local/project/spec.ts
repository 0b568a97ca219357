import { dirname, resolve as resolvePath } from 'node:path';
import { LOCAL_ACCOUNT_ID } from '../credentials';
import { createPropsReader } from './props-reader';
import { createResolver } from './resolve';
import { type NodePath, readYamlSource, type YamlSource } from './yaml-source';

/** How to resolve the parts of s.yaml that depend on the account and the machine. */
export interface ResolveSpecOptions {
  /** `${config('AccountID')}`; default the local stack's account. */
  accountId?: string;
  /** `${env('X')}`; default process.env. */
  env?: Record<string, string | undefined>;
}

/** One s.yaml resource with its props resolved. */
export interface ResolvedResource {
  name: string;
  /** As written (resolved), e.g. `fc3` or `fc3@0.1.22`. */
  component: string;
  /** Without version or registry prefix: `fc3`, `ros`, `flow`. */
  kind: string;
  props: unknown;
}

/** s.yaml with every magic variable resolved: what `s preview` shows, computed offline. */
export interface ResolvedSpec {
  file: string;
  baseDir: string;
  source: YamlSource;
  name: string;
  accountId: string;
  resources: ResolvedResource[];
  /** s.yaml has a top-level `flow:` block (which resources run, in which order). */
  hasFlowBlock: boolean;
}

/** `fc3@0.1.22` -> `fc3`, `devsapp/ros` -> `ros`. */
export function componentKind(component: string): string {
  const base = component.split('/').pop() ?? component;
  return base.split('@')[0] ?? base;
}

/** Reads s.yaml (edition 3) and resolves its resources' props; throws located ProjectErrors. */
export function resolveSpec(sYamlPath: string, options: ResolveSpecOptions = {}): ResolvedSpec {
  const file = resolvePath(sYamlPath);
  const baseDir = dirname(file);
  const accountId = options.accountId ?? LOCAL_ACCOUNT_ID;
  const source = readYamlSource(file, baseDir);
  const resolver = createResolver({ source, baseDir, accountId, env: options.env ?? process.env });
  const top = createPropsReader(source, [], source.data);
  const edition = String(top.value.edition ?? '');
  if (!edition.startsWith('3.')) {
    throw top.error(
      `must be 3.0.0 (Serverless Devs 3 with resources:), got ${JSON.stringify(top.value.edition ?? null)}`,
      'edition',
    );
  }
  const name = top.string('name');
  const declared = top.object('resources').value;
  const names = Object.keys(declared);
  if (names.length === 0) throw top.error('declares no resources', 'resources');
  const resources = names.map((resource): ResolvedResource => {
    const path: NodePath = ['resources', resource];
    const res = createPropsReader(source, path, declared[resource]);
    res.string('component');
    if (res.has('extend')) {
      // s merges a top-level template: into the props; silently running the
      // resource without it would run something else than s deploys.
      throw res.error(
        'extend (a template: merged into the props) is not supported locally; write the props out',
        'extend',
      );
    }
    const component = resolver.resolve([...path, 'component']);
    if (typeof component !== 'string') throw res.error('must be a string', 'component');
    return {
      name: resource,
      component,
      kind: componentKind(component),
      props: resolver.resolve([...path, 'props']),
    };
  });
  return {
    file,
    baseDir,
    source,
    name,
    accountId,
    resources,
    hasFlowBlock: top.has('flow'),
  };
}
