import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCOUNT, addFakeAccess, root, run } from './s-cli';

// `npm run deploy` with the real `s` CLI, offline: the components ros, flow and
// fc3 are replaced by stubs in a throw-away HOME (s loads a cached component
// without network when its folder has a .s.lock), and each stub records what it
// was asked to deploy. The project's package.json deploy script is used as is;
// only its build script is swapped for one that records that it ran, so the
// test does not rebuild dist/ under the other tests' feet.
const work = mkdtempSync(join(tmpdir(), 'queueflow-deploy-'));
const home = join(work, 'home');
const project = join(work, 'project');
const log = join(work, 'deploy.log');

const STUB = (component: string) => `const fs = require('node:fs');
module.exports = class {
  async deploy(inputs) {
    const entry = { component: '${component}', resource: inputs.resource.name, props: inputs.props };
    fs.appendFileSync(process.env.QF_DEPLOY_LOG, JSON.stringify(entry) + '\\n');
    return { deployed: inputs.resource.name };
  }
};
`;

interface Entry {
  component?: string;
  resource?: string;
  props?: Record<string, unknown>;
  build?: true;
}
let entries: Entry[];
let output: string;

beforeAll(async () => {
  for (const c of ['ros', 'flow', 'fc3']) {
    const dir = join(home, '.s/components/devsapp.cn/v3', c);
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, '.s.lock'),
      JSON.stringify({ version: '0.0.0', lastUpdateCheck: Date.now() }),
    );
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: c, main: 'index.js' }));
    writeFileSync(join(dir, 'index.js'), STUB(c));
  }
  mkdirSync(project);
  for (const f of ['s.yaml', 'infra', 'flows'])
    cpSync(join(root, f), join(project, f), { recursive: true });
  symlinkSync(join(root, 'node_modules'), join(project, 'node_modules'));
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const recordBuild = `node -e "require('fs').appendFileSync(process.env.QF_DEPLOY_LOG, JSON.stringify({build: true}) + '\\n')"`;
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify({
      name: 'deploy-check',
      private: true,
      scripts: { ...pkg.scripts, build: recordBuild },
    }),
  );
  const env = { ...process.env, HOME: home, USERPROFILE: home, QF_DEPLOY_LOG: log, CI: 'true' };
  const opts = { cwd: project, env, timeout: 90_000 };
  await addFakeAccess(opts);
  const res = await run('npm', ['run', 'deploy'], opts);
  output = res.stdout + res.stderr;
  entries = readFileSync(log, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
}, 120_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('npm run deploy (s deploy with stub components)', () => {
  it('builds once, before anything is deployed', () => {
    expect(entries.filter((e) => e.build)).toHaveLength(1);
    expect(entries[0]).toEqual({ build: true });
  });

  it('deploys the queue and roles, then the flow, then the two functions', () => {
    expect(entries.slice(1).map((e) => [e.resource, e.component])).toEqual([
      ['infra', 'ros'],
      ['workflow', 'flow'],
      ['task-worker', 'fc3'],
      ['start-flow', 'fc3'],
    ]);
    expect(output).toContain('start-flow');
  });

  it('hands the components absolute template and definition paths and the account id', () => {
    const infra = entries.find((e) => e.resource === 'infra')?.props;
    const workflow = entries.find((e) => e.resource === 'workflow')?.props;
    expect(infra?.template).toBe(join(project, 'infra/ros.yaml'));
    expect(infra?.parameters).toMatchObject({ AccountId: ACCOUNT, QueueName: 'queueflow-tasks' });
    expect(workflow?.definition).toBe(join(project, 'flows/demo.flow.yaml'));
    expect(workflow?.roleArn).toBe(`acs:ram::${ACCOUNT}:role/queueflow-flow-role`);
  });

  it('passes fc3 the bundle folders relative to s.yaml', () => {
    const code = entries.filter((e) => e.component === 'fc3').map((e) => e.props?.code);
    expect(code).toEqual(['./dist/task-worker', './dist/start-flow']);
  });
});
