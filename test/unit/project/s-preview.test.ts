// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the strings are s.yaml's own ${...} syntax
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProjectError } from '../../../local/project/errors';
import { resolveSpec } from '../../../local/project/spec';
import { ACCOUNT, addFakeAccess, root, run, sBin } from './s-cli';

// The real Serverless Devs CLI (`s`, a devDependency) renders s.yaml offline with
// `s preview`. Comparing its rendering with ours keeps loadProject's variable
// resolution honest. `s` gets a throw-away HOME so no real credentials are read
// or written; `s config add` only stores the AccountID that config() needs.
const home = mkdtempSync(join(tmpdir(), 'queueflow-s-home-'));
const envFor = (h: string) => ({ ...process.env, HOME: h, USERPROFILE: h, CI: 'true' });
const env = envFor(home);
// The edge cases run in two lanes at once, each with its own HOME: s names a
// run's log folder by the second it starts in (~/.s/logs/<MMDDhhmmss>), so two
// runs that share a HOME and start in the same second read each other's
// half-written error.json and fail with "Unexpected end of JSON input".
// The first lane is the main HOME, whose access the later previews use too.
const laneEnvs = [env, envFor(join(home, 'lane-1'))];

type Preview = { resources: Record<string, { component: string; props: unknown }> };
let preview: Preview;
let fixturePreview: Preview;
const fixture = join(home, 'fixture.yaml');

// Every kind of expression loadProject resolves, in positions s.yaml allows them.
const FIXTURE = `edition: 3.0.0
name: fixture
access: default
vars:
  region: cn-shanghai
  prefix: \${env('QF_PREFIX', 'fx')}
  count: 4
  tuning: &tuning
    timeout: 60
    memorySize: 1024
resources:
  infra:
    component: ros
    props:
      region: \${vars.region}
      template: \${path('./infra/ros.yaml')}
      parameters:
        Account: \${config('AccountID')}
        Count: \${vars.count}
  worker:
    component: fc3@0.1.22
    props:
      region: \${resources.infra.props.region}
      functionName: \${vars.prefix}-worker
      description: worker of \${this.props.functionName} in \${vars.region}
      <<: *tuning
      environmentVariables:
        HOME_ENV: \${env('QF_FROM_ENV')}
        OTHER: \${env('QF_UNSET', 'fallback')}
        EMPTY: \${env('QF_EMPTY', 'default for empty')}
`;

// Expressions s 3.1.10 refuses (the message it prints), next to close relatives it
// resolves (null): resolveSpec must refuse the first kind and agree on the second.
const EDGE_CASES: Record<string, { yaml: string; s: string | null }> = {
  componentsProps: {
    s: 'RuntimeError: ${components.infra.props.region} not found',
    yaml: `
resources:
  infra:
    component: ros
    props:
      region: cn-hangzhou
  other:
    component: fc3
    props:
      region: \${components.infra.props.region}`,
  },
  singleQuotedLiteral: {
    s: 'CompileError: missing ) after argument list',
    yaml: `
resources:
  fn:
    component: fc3
    props:
      description: x-\${'lit'}`,
  },
  doubleQuotedLiteral: {
    s: null,
    yaml: `
resources:
  fn:
    component: fc3
    props:
      description: \${"lit"}-\${env('QF_UNSET', 'd')}`,
  },
  thisPropsThroughThis: {
    s: 'RuntimeError: ${this.props.region} not found',
    yaml: `
resources:
  fn:
    component: fc3
    props:
      region: cn-hangzhou
      description: d-\${this.props.region}
      functionName: \${this.props.description}`,
  },
  laterResourceThroughThis: {
    s: 'RuntimeError: ${this.props.c} not found',
    yaml: `
resources:
  first:
    component: fc3
    props:
      a: \${resources.later.props.b}
  later:
    component: fc3
    props:
      c: z
      b: \${this.props.c}`,
  },
  earlierResourceThroughThis: {
    s: null,
    yaml: `
vars:
  v: vx
resources:
  earlier:
    component: fc3
    props:
      c: z
      b: \${this.props.c}
      m:
        d: \${this.props.c}
      mm: \${this.props.m}
  second:
    component: fc3
    props:
      a: \${resources.earlier.props.b}
      n: \${this.props.o}
      o: \${resources.third.props.p}
  third:
    component: fc3
    props:
      p: \${vars.v}`,
  },
  varsThroughResource: {
    s: 'RuntimeError: ${resources.fn.props.c} not found',
    yaml: `
vars:
  fromResource: \${resources.fn.props.c}
resources:
  fn:
    component: fc3
    props:
      c: z
      a: \${vars.fromResource}`,
  },
};

/** What `s preview` prints for each edge case: its error line, or the props. */
const edgePreviews: Record<string, string | Record<string, unknown>> = {};

async function previewEdgeCase(
  name: string,
  yaml: string,
  laneEnv: NodeJS.ProcessEnv,
): Promise<void> {
  const dir = join(home, 'edge', name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 's.yaml'), edgeYaml(yaml));
  try {
    const { stdout } = await run(sBin, ['preview', '-o', 'json', '-t', 's.yaml'], {
      cwd: dir,
      env: laneEnv,
      timeout: 60_000,
    });
    const json = JSON.parse(stdout.slice(stdout.indexOf('{'))) as Preview;
    edgePreviews[name] = Object.fromEntries(
      Object.entries(json.resources).map(([k, r]) => [k, r.props]),
    );
  } catch (e) {
    const out = `${(e as { stdout?: string }).stdout ?? ''}\n${(e as { stderr?: string }).stderr ?? ''}`;
    edgePreviews[name] = /(RuntimeError|CompileError): .*/.exec(out)?.[0] ?? out;
  }
}

const edgeYaml = (body: string) => `edition: 3.0.0\nname: edge\naccess: default${body}\n`;

beforeAll(async () => {
  const opts = { cwd: root, env, timeout: 60_000 };
  // Two lanes at a time: each s run takes a core for about a second.
  const names = Object.keys(EDGE_CASES);
  await Promise.all(
    laneEnvs.map(async (laneEnv, lane) => {
      mkdirSync(laneEnv.HOME as string, { recursive: true });
      await addFakeAccess({ ...opts, env: laneEnv });
      for (let i = lane; i < names.length; i += laneEnvs.length) {
        const n = names[i] as string;
        await previewEdgeCase(n, EDGE_CASES[n]?.yaml ?? '', laneEnv);
      }
    }),
  );
  const { stdout } = await run(sBin, ['preview', '-o', 'json', '-t', 's.yaml'], opts);
  // s prints a WARN line (running as root) on stdout before the JSON.
  preview = JSON.parse(stdout.slice(stdout.indexOf('{')));
  writeFileSync(fixture, FIXTURE);
  // s's path() fails for a file that does not exist.
  mkdirSync(join(home, 'infra'));
  writeFileSync(join(home, 'infra/ros.yaml'), 'ROSTemplateFormatVersion: 2015-09-01\n');
  const fx = await run(sBin, ['preview', '-o', 'json', '-t', fixture], {
    ...opts,
    env: { ...env, QF_PREFIX: 'prod', QF_FROM_ENV: 'from-env', QF_EMPTY: '' },
  });
  fixturePreview = JSON.parse(fx.stdout.slice(fx.stdout.indexOf('{')));
}, 90_000);

afterAll(() => rmSync(home, { recursive: true, force: true }));

describe('s preview and resolveSpec', () => {
  it('see the same resources with the same components', () => {
    const ours = resolveSpec(resolve(root, 's.yaml'), { accountId: ACCOUNT, env: {} });
    expect(ours.resources.map((r) => [r.name, r.component])).toEqual(
      Object.entries(preview.resources).map(([name, r]) => [name, r.component]),
    );
  });

  it('resolve every resource to the same props', () => {
    const ours = resolveSpec(resolve(root, 's.yaml'), { accountId: ACCOUNT, env: {} });
    for (const r of ours.resources) {
      expect(r.props, r.name).toEqual(preview.resources[r.name]?.props);
    }
  });

  it('resolve env, path, config, this.props and resources.x.props the same way', () => {
    const ours = resolveSpec(fixture, {
      accountId: ACCOUNT,
      env: { QF_PREFIX: 'prod', QF_FROM_ENV: 'from-env', QF_EMPTY: '' },
    });
    const theirs = fixturePreview.resources;
    expect(ours.resources.map((r) => [r.name, r.props])).toEqual(
      Object.entries(theirs).map(([name, r]) => [name, r.props]),
    );
    expect(theirs.worker?.props).toMatchObject({
      functionName: 'prod-worker',
      // A merge key merges; an env var set to "" takes its default.
      timeout: 60,
      memorySize: 1024,
      environmentVariables: { EMPTY: 'default for empty' },
    });
  });
});

describe('s preview and resolveSpec on expressions s refuses', () => {
  const edgeFile = (name: string) => join(home, 'edge', name, 's.yaml');

  /** Both refuse `name`: s with `refusal`, resolveSpec naming the expression and where it is. */
  const expectBothRefuse = (name: string) => {
    const refusal = EDGE_CASES[name]?.s;
    expect(edgePreviews[name]).toBe(refusal);
    let error: unknown;
    try {
      resolveSpec(edgeFile(name), { accountId: ACCOUNT, env: {} });
    } catch (e) {
      error = e;
    }
    expect(error, name).toBeInstanceOf(ProjectError);
    const err = error as ProjectError;
    expect(err.code).toBe('ProjectExpressionError');
    expect(err.message).toMatch(/^s\.yaml: (resources|vars)\.[\w.-]+: \$\{.+\}: .+ \(line \d+\)$/);
    // The expression s names (or the literal it cannot compile) is in our message.
    const named = /\$\{[^}]+\}/.exec(refusal ?? '')?.[0] ?? "${'lit'}";
    expect(err.detail).toContain(named);
    return err;
  };

  /** Both resolve `name`, to the same props. */
  const expectBothResolve = (name: string) => {
    const ours = resolveSpec(edgeFile(name), { accountId: ACCOUNT, env: {} });
    expect(Object.fromEntries(ours.resources.map((r) => [r.name, r.props]))).toEqual(
      edgePreviews[name],
    );
  };

  it('refuse components.<name>.props, ours pointing at resources.<name>.props', () => {
    expect(expectBothRefuse('componentsProps').detail).toContain(
      'use ${resources.infra.props.region}',
    );
  });

  it('refuse a single-quoted literal on its own, and resolve a double-quoted one', () => {
    expectBothRefuse('singleQuotedLiteral');
    expectBothResolve('doubleQuotedLiteral');
  });

  it('refuse a reference to props s has not resolved yet that use this, and resolve the others', () => {
    expectBothRefuse('thisPropsThroughThis');
    expectBothRefuse('laterResourceThroughThis');
    expectBothResolve('earlierResourceThroughThis');
  });

  it('refuse a resource referred to from vars', () => {
    expectBothRefuse('varsThroughResource');
  });
});
