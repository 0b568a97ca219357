// `queueflow compact`: a stopped stack's database shrinks, and keeps what it holds.
import { chmodSync, existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../../local/log';
import { startLocalStack } from '../../../local/stack';
import { DATABASE_FILE } from '../../../local/store/store';
import { runCli, useCli } from '../../support/spawn-cli';
import { useTempDirs } from '../../support/temp-dirs';

useCli();
const tempDir = useTempDirs('queueflow-compact-');

const FLOW = 'version: v1\ntype: flow\nsteps:\n  - type: pass\n    name: only\n';

/** A stopped stack's folder whose database has most of its pages free. */
async function folderWithFreedSpace(): Promise<string> {
  const dataDir = tempDir();
  const stack = await startLocalStack({ port: 0, dataDir, logger: silentLogger });
  try {
    stack.engine.createFlow({ Name: 'compact_me', Definition: FLOW });
    const input = JSON.stringify({ pad: 'x'.repeat(20_000) });
    for (let i = 0; i < 300; i++) {
      stack.engine.startExecution({ FlowName: 'compact_me', ExecutionName: `e${i}`, Input: input });
    }
    await expect
      .poll(
        async () =>
          (await stack.engine.describeExecution({ FlowName: 'compact_me', ExecutionName: 'e299' }))
            .Status,
      )
      .toBe('Succeeded');
    // Every ended execution but the newest (never pruned) goes.
    while (stack.engine.pruneEnded(Date.now() + 1).executions > 0);
  } finally {
    await stack.stop();
  }
  return dataDir;
}

describe('queueflow compact', () => {
  it("shrinks a stopped stack's database and keeps its flows and executions", async () => {
    const dataDir = await folderWithFreedSpace();
    const file = join(dataDir, DATABASE_FILE);
    const before = statSync(file).size;

    const run = await runCli(['compact', '--data-dir', dataDir]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/compacted .*: [\d.]+ MB -> [\d.]+ MB \([\d.]+ MB was free\)/);
    const after = statSync(file).size;
    expect(after).toBeLessThan(before / 4);

    const stack = await startLocalStack({ port: 0, dataDir, logger: silentLogger });
    try {
      expect(
        (await stack.engine.describeExecution({ FlowName: 'compact_me', ExecutionName: 'e299' }))
          .Status,
      ).toBe('Succeeded');
      stack.engine.startExecution({ FlowName: 'compact_me', ExecutionName: 'after', Input: '{}' });
      await expect
        .poll(
          async () =>
            (
              await stack.engine.describeExecution({
                FlowName: 'compact_me',
                ExecutionName: 'after',
              })
            ).Status,
        )
        .toBe('Succeeded');
    } finally {
      await stack.stop();
    }
  });

  it('refuses the folder of a running stack and leaves it as it was', async () => {
    const dataDir = tempDir();
    const stack = await startLocalStack({ port: 0, dataDir, logger: silentLogger });
    try {
      stack.engine.createFlow({ Name: 'busy', Definition: FLOW });
      const run = await runCli(['compact', '--data-dir', dataDir]);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(
        /queueflow compact: the data folder .* is in use by another queueflow \(pid \d+/,
      );
      expect(stack.engine.describeFlow({ Name: 'busy' }).Name).toBe('busy');
    } finally {
      await stack.stop();
    }
  });

  it("leaves a database that is not queueflow's as it was, saying so", async () => {
    const dataDir = tempDir();
    const file = join(dataDir, DATABASE_FILE);
    writeFileSync(file, 'not a database at all, just text long enough to be a header');
    chmodSync(dataDir, 0o755);
    const run = await runCli(['compact', '--data-dir', dataDir]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`${file} cannot be read as a database`);
    expect(run.stderr).not.toContain('--memory');
    expect(readdirSync(dataDir)).toEqual([DATABASE_FILE]);
    expect(statSync(dataDir).mode & 0o777).toBe(0o755);
  });

  it('says there is nothing to compact in a folder without a database, and creates nothing', async () => {
    const dataDir = join(tempDir(), 'never-started');
    const run = await runCli(['compact', '--data-dir', dataDir]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`there is no queueflow database in ${dataDir}`);
    expect(existsSync(dataDir)).toBe(false);
  });
});
