import type { FlowEngine } from '../flow/types';
import { randomHex } from '../ids';
import { type FollowedExecution, followExecution, formatPath } from './follow';

/** The demo flow and input (fixed names shared with flows/ and s.yaml). */
export const DEMO_FLOW = 'queueflow-demo';
export const DEMO_INPUT = { source: 'orders-2026-11.csv' };

/**
 * Runs the demo flow once and prints it live: each task sent to the queue and
 * reported back by the queue-triggered worker, then the output and the path.
 */
export async function runDemo(options: {
  engine: Pick<
    FlowEngine,
    'onEvent' | 'describeExecution' | 'getExecutionHistory' | 'startExecution'
  >;
  write: (line: string) => void;
  flowName?: string;
  input?: unknown;
  timeoutMs?: number;
}): Promise<FollowedExecution> {
  const { engine, write } = options;
  const flowName = options.flowName ?? DEMO_FLOW;
  const input = JSON.stringify(options.input ?? DEMO_INPUT);
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  const executionName = `demo-${stamp}-${randomHex(2)}`;
  write(`Running the demo: flow ${flowName}, input ${input}`);
  const done = followExecution({
    engine,
    flowName,
    executionName,
    write,
    timeoutMs: options.timeoutMs ?? 60_000,
  });
  done.catch(() => {}); // awaited below; a failed start must not leave it unhandled
  engine.startExecution({ FlowName: flowName, ExecutionName: executionName, Input: input });
  const result = await done;
  write('');
  write(`Status  ${result.status}${result.durationMs ? ` in ${result.durationMs} ms` : ''}`);
  if (result.status === 'Succeeded') {
    write(`Output  ${JSON.stringify(result.output)}`);
  } else {
    write(`Error   ${result.error ?? ''} ${result.cause ?? ''}`.trimEnd());
  }
  write(`Path    ${formatPath(result.steps, result.status)}`);
  return result;
}
