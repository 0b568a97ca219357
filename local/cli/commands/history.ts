import type { Command } from 'commander';
import { renderHistoryTable } from '../../flow/history-render';
import type { HistoryEvent } from '../../flow/types';
import { createFnfRpc, type FnfTarget, resolveTarget, withTargetOptions } from './start-execution';

/** Fetches every history event of an execution (following NextToken) and renders the table. */
export async function runHistory(
  flow: string,
  execution: string,
  opts: FnfTarget & { json?: boolean },
  write: (line: string) => void,
): Promise<void> {
  const rpc = createFnfRpc(opts);
  const events: HistoryEvent[] = [];
  let token: string | undefined;
  do {
    const params: Record<string, string | number> = {
      FlowName: flow,
      ExecutionName: execution,
      Limit: 1000,
    };
    if (token) params.NextToken = token;
    const page = (await rpc.request('GetExecutionHistory', params, { timeout: 30_000 })) as {
      Events: HistoryEvent[];
      NextToken?: string;
    };
    events.push(...page.Events);
    token = page.NextToken;
  } while (token);
  write(opts.json ? JSON.stringify(events, null, 2) : renderHistoryTable(events));
}

/** `queueflow history <flow> <execution>`: the event history as a table. */
export function registerHistoryCommand(program: Command): void {
  withTargetOptions(
    program
      .command('history <flow> <execution>')
      .description('Show the event history of an execution (FnF GetExecutionHistory) as a table.')
      .option('--json', 'print the raw events as JSON', false),
  ).action(
    async (flow: string, execution: string, opts: Partial<FnfTarget> & { json: boolean }) => {
      await runHistory(flow, execution, { ...resolveTarget(opts), json: opts.json }, (l) =>
        process.stdout.write(`${l}\n`),
      );
    },
  );
}
