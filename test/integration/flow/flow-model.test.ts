// Model-based check of the local flow engine: seeded random FDL v1 flows (pass steps with
// mappings, waitForCallback MNS tasks with retry, catch, errorMappings and timeouts, choice,
// parallel, foreach, wait, succeed, fail; nesting up to 2 deep, at most 15 steps; loops made
// by gotos back; the flow's own input and output mappings, inputMappings on choice, parallel
// and foreach; waits by `$.path` and until a timestamp) run on a real stack under a
// VirtualClock, a scripted worker answering each task attempt from the MNS queue, and through
// an independent model of the same runs (test/support/flow-model/). Compared: the final
// status, the output or the error and cause, every task attempt with its input and the
// virtual time it was scheduled at, and the answers to late and duplicate reports. The seeds
// are fixed: every run replays the same flows. On a difference the message names the seed and
// prints the smallest flow and answer script found.
import { assert, describe, expect, it } from 'vitest';
import { checkSeeds } from '../../support/flow-model/index';

const seeds = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i);

describe('the local flow engine against an independent model of FDL v1', () => {
  it('ends 800 generated flows, in process and over pop-core, as the model does', async () => {
    // Every fifth seed creates, starts and reports through the unmodified pop-core RPCClient.
    const { failure, coverage } = await checkSeeds(seeds(1, 800), 5);
    if (failure) assert.fail(failure);
    expect(coverage.runs).toBe(800);
    expect(coverage.sdkRuns).toBe(160);
    // The flows reach what the model is about, not only straight lines of pass steps
    // (800 seeds: 310 succeed, 490 fail, 897 retries, 144 timeouts, 186 catches, 242 parallel
    // steps, 359 iterations, 334 choices, 286 waits, 20 succeed steps in a choice branch).
    expect(coverage.succeeded).toBeGreaterThan(200);
    expect(coverage.failed).toBeGreaterThan(300);
    expect(coverage.retries).toBeGreaterThan(500);
    expect(coverage.timeouts).toBeGreaterThan(90);
    expect(coverage.catches).toBeGreaterThan(110);
    expect(coverage.parallels).toBeGreaterThan(150);
    expect(coverage.iterations).toBeGreaterThan(220);
    expect(coverage.choices).toBeGreaterThan(200);
    expect(coverage.waits).toBeGreaterThan(180);
    expect(coverage.succeeds).toBeGreaterThan(120);
    expect(coverage.choiceSucceeds).toBeGreaterThan(10);
    expect(coverage.fails).toBeGreaterThan(50);
    // Failures that cut off tasks and timers still waiting in other branches or iterations.
    expect(coverage.cutOff).toBeGreaterThan(55);
    // Gotos back: 130 turns of a loop, 129 catches back to the task or an earlier step, 65
    // retries of a task entered again that its earlier round's counters would have forbidden
    // or delayed had they not started afresh.
    expect(coverage.loopsBack).toBeGreaterThan(80);
    expect(coverage.catchesBack).toBeGreaterThan(80);
    expect(coverage.freshRetries).toBeGreaterThan(40);
    // The flow's own mappings (245 runs with inputMappings, 233 with outputMappings) and
    // inputMappings on choice, parallel and foreach steps (213 entered).
    expect(coverage.flowInputs).toBeGreaterThan(150);
    expect(coverage.flowOutputs).toBeGreaterThan(150);
    expect(coverage.containerInputs).toBeGreaterThan(130);
    // Waits by `$.path` (93) and until a timestamp (90, 32 of them already reached).
    expect(coverage.waitPaths).toBeGreaterThan(55);
    expect(coverage.waitTimestamps).toBeGreaterThan(55);
    expect(coverage.waitsPast).toBeGreaterThan(18);
    // Late reports, each to be refused with TaskAlreadyCompleted: the first one for 342
    // succeeded, 583 failed, 29 timed-out attempts (while the execution ran) and 80 cut off;
    // 642 a second time.
    expect(coverage.lateSucceeded).toBeGreaterThan(200);
    expect(coverage.lateFailed).toBeGreaterThan(350);
    expect(coverage.lateTimedOut).toBeGreaterThan(15);
    expect(coverage.lateCutOff).toBeGreaterThan(50);
    expect(coverage.lateAgain).toBeGreaterThan(400);
  }, 90_000);
});
