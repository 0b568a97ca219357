import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveSpec } from '../../../local/project/spec';
import { ACCOUNT, addFakeAccess, root, run, sBin } from './s-cli';

// The real Serverless Devs CLI (`s`, a devDependency) renders s.yaml offline with
// `s preview`. Comparing its rendering with ours keeps loadProject's variable
// resolution honest. `s` gets a throw-away HOME so no real credentials are read
// or written; `s config add` only stores the AccountID that config() needs.
const home = mkdtempSync(join(tmpdir(), 'queueflow-s-home-'));
const env = { ...process.env, HOME: home, USERPROFILE: home, CI: 'true' };

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

beforeAll(async () => {
  const opts = { cwd: root, env, timeout: 60_000 };
  await addFakeAccess(opts);
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
