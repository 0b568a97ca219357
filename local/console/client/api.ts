// Fetch helpers for the console's JSON API; errors keep the server's {Code, Message}.
import type { ConsoleExecution, ConsoleFlow, ConsoleQueue } from '../backend';
import type { HistoryEvent } from '../model/history';

/** An error answered by the console API. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const BASE = '/console/api';

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const init: RequestInit = { method, headers: { accept: 'application/json' } };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers = { ...init.headers, 'content-type': 'application/json' };
  }
  const res = await fetch(`${BASE}${path}`, init);
  const text = await res.text();
  let data: unknown;
  try {
    data = text ? JSON.parse(text) : {};
  } catch {
    throw new ApiError('InternalServerError', res.status, text.slice(0, 200));
  }
  if (!res.ok) {
    const e = data as { Code?: string; Message?: string };
    throw new ApiError(e.Code ?? 'Error', res.status, e.Message ?? res.statusText);
  }
  return data as T;
}

const q = (params: Record<string, string | number | undefined>): string => {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') u.set(k, String(v));
  const s = u.toString();
  return s ? `?${s}` : '';
};
const e = encodeURIComponent;

/** The console API, typed. */
export const api = {
  listFlows: (nextToken?: string) =>
    call<{ Flows: ConsoleFlow[]; NextToken?: string }>(
      'GET',
      `/flows${q({ nextToken, limit: 50 })}`,
    ),
  describeFlow: (flow: string) => call<ConsoleFlow>('GET', `/flows/${e(flow)}`),
  listExecutions: (
    flow: string,
    p: { status?: string; prefix?: string; limit?: number; nextToken?: string },
  ) =>
    call<{ Executions: ConsoleExecution[]; NextToken?: string }>(
      'GET',
      `/flows/${e(flow)}/executions${q(p)}`,
    ),
  describeExecution: (flow: string, execution: string) =>
    call<ConsoleExecution>('GET', `/flows/${e(flow)}/executions/${e(execution)}`),
  history: (flow: string, execution: string) =>
    call<{ Events: HistoryEvent[] }>('GET', `/flows/${e(flow)}/executions/${e(execution)}/history`),
  startExecution: (flow: string, body: { name?: string; input: string }) =>
    call<ConsoleExecution>('POST', `/flows/${e(flow)}/executions`, body),
  stopExecution: (flow: string, execution: string, body: { error?: string; cause?: string }) =>
    call<ConsoleExecution>('POST', `/flows/${e(flow)}/executions/${e(execution)}/stop`, body),
  flowEventsUrl: (flow: string) => `${BASE}/flows/${e(flow)}/events`,
  eventsUrl: (flow: string, execution: string) =>
    `${BASE}/flows/${e(flow)}/executions/${e(execution)}/events`,
  listQueues: () => call<{ Queues: ConsoleQueue[] }>('GET', '/queues'),
  peek: (queue: string) => call<{ Messages: unknown[] }>('GET', `/queues/${e(queue)}/messages`),
};
