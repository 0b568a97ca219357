// Model-based check of the local flow engine: seeded random FDL v1 flows (pass steps with
// mappings, waitForCallback MNS tasks with retry, catch, errorMappings and timeouts, choice,
// parallel, foreach, wait, succeed, fail; nesting up to 2 deep, at most 15 steps) run on a
// real stack under a VirtualClock, a scripted worker answering each task attempt from the MNS
// queue, and through an independent model of the same runs (test/support/flow-model/).
// Compared: the final status, the output or the error and cause, and every task attempt with
// the virtual time it was scheduled at. The seeds are fixed: every run replays the same flows.
// On a difference the message names the seed and prints the smallest flow and answer script
// found.
import { assert, describe, expect, it } from 'vitest';
import { checkSeeds } from '../../support/flow-model/index';

const seeds = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i);

describe('the local flow engine against an independent model of FDL v1', () => {
  it('ends 600 generated flows, in process and over pop-core, as the model does', async () => {
    // Every fifth seed creates, starts and reports through the unmodified pop-core RPCClient.
    const { failure, coverage } = await checkSeeds(seeds(1, 600), 5);
    if (failure) assert.fail(failure);
    expect(coverage.runs).toBe(600);
    expect(coverage.sdkRuns).toBe(120);
    // The flows reach what the model is about, not only straight lines of pass steps
    // (600 seeds: 260 succeed, 340 fail, 212 retries, 86 timeouts, 55 catches, 172 parallel
    // steps, 283 iterations, 146 choices, 185 waits, 14 succeed steps in a choice branch).
    expect(coverage.succeeded).toBeGreaterThan(150);
    expect(coverage.failed).toBeGreaterThan(150);
    expect(coverage.retries).toBeGreaterThan(100);
    expect(coverage.timeouts).toBeGreaterThan(40);
    expect(coverage.catches).toBeGreaterThan(25);
    expect(coverage.parallels).toBeGreaterThan(80);
    expect(coverage.iterations).toBeGreaterThan(140);
    expect(coverage.choices).toBeGreaterThan(70);
    expect(coverage.waits).toBeGreaterThan(90);
    expect(coverage.succeeds).toBeGreaterThan(60);
    expect(coverage.choiceSucceeds).toBeGreaterThan(5);
    expect(coverage.fails).toBeGreaterThan(30);
    // Failures that cut off tasks and timers still waiting in other branches or iterations.
    expect(coverage.cutOff).toBeGreaterThan(30);
  }, 60_000);
});
