// Server-Sent Events for one execution: a snapshot of its history, then each new event
// as the engine emits it. Subscribing before reading the history and de-duplicating by
// EventId means no event falls in the gap between the two.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readAllHistory } from './api';
import type { ConsoleBackend } from './backend';
import type { HistoryEvent } from './model/history';

/** Open streams, so stopping the console ends them. */
export type LiveStreams = Set<ServerResponse>;

// Proxies drop idle streams; a comment line every 15 s keeps one open. Transport-level
// real time on purpose: it has nothing to do with the engine's (possibly virtual) clock.
const HEARTBEAT_MS = 15_000;

// Starts an SSE response and registers it so stopping the console ends it.
function openStream(res: ServerResponse, streams: LiveStreams): void {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    connection: 'keep-alive',
  });
  streams.add(res);
}

// Heartbeats until the client goes away, then unsubscribes and forgets the stream.
function holdOpen(
  req: IncomingMessage,
  res: ServerResponse,
  streams: LiveStreams,
  unsubscribe: () => void,
): void {
  const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
  heartbeat.unref();
  const done = () => {
    clearInterval(heartbeat);
    unsubscribe();
    streams.delete(res);
  };
  req.on('close', done);
  res.on('close', done);
}

/** Streams `flow`/`execution` to `res` until the client goes away. */
export async function streamExecution(options: {
  backend: ConsoleBackend;
  streams: LiveStreams;
  req: IncomingMessage;
  res: ServerResponse;
  flowName: string;
  executionName: string;
}): Promise<void> {
  const { backend, streams, req, res, flowName, executionName } = options;
  const pending: HistoryEvent[] = [];
  let lastSent = -1;
  let ready = false;
  const send = (type: string, data: unknown) => {
    res.write(`event: ${type}\ndata: ${JSON.stringify(data)}\n\n`);
  };
  // Names can be reused (DeleteFlow, CreateFlow, StartExecution with the same
  // names): another event under an id already sent (a second ExecutionStarted,
  // say) is a newer execution's, and ends the stream. The same event seen
  // twice is only a duplicate. Ids are sent in order, so every id in `sent`
  // is at most lastSent.
  const sent = new Map<number, string>();
  // All of the event, not its type and time alone: a newer execution under a
  // reused name can write the same type in the same millisecond.
  const key = (e: HistoryEvent) => `${e.Type}|${e.Time}|${e.StepName}|${e.EventDetail}`;
  let replaced = false;
  const deliver = (e: HistoryEvent) => {
    if (replaced) return;
    const had = sent.get(e.EventId);
    if (had === key(e)) return;
    if (e.EventId <= lastSent) {
      replaced = true;
      send('replaced', {});
      res.end();
      return;
    }
    sent.set(e.EventId, key(e));
    lastSent = e.EventId;
    send('history', e);
  };
  const unsubscribe = backend.onEvent((e) => {
    if (e.flowName !== flowName || e.executionName !== executionName) return;
    if (ready) deliver(e.event);
    else pending.push(e.event);
  });
  let events: HistoryEvent[];
  try {
    events = await readAllHistory(backend, flowName, executionName);
  } catch (err) {
    unsubscribe();
    throw err;
  }
  openStream(res, streams);
  lastSent = events.at(-1)?.EventId ?? -1;
  for (const e of events) sent.set(e.EventId, key(e));
  send('snapshot', { Events: events });
  for (const e of pending.sort((a, b) => a.EventId - b.EventId)) deliver(e);
  pending.length = 0;
  ready = true;
  holdOpen(req, res, streams, unsubscribe);
}

/** Streams the execution-level events (started, succeeded, failed...) of one flow. */
export async function streamFlow(options: {
  backend: ConsoleBackend;
  streams: LiveStreams;
  req: IncomingMessage;
  res: ServerResponse;
  flowName: string;
}): Promise<void> {
  const { backend, streams, req, res, flowName } = options;
  // An unknown flow is a 404 like the rest of the API, not a stream that stays open.
  await backend.describeFlow({ Name: flowName });
  openStream(res, streams);
  res.write(': ready\n\n');
  const unsubscribe = backend.onEvent((e) => {
    if (e.flowName !== flowName || !e.event.Type.startsWith('Execution')) return;
    const data = { executionName: e.executionName, type: e.event.Type, time: e.event.Time };
    res.write(`event: execution\ndata: ${JSON.stringify(data)}\n\n`);
  });
  holdOpen(req, res, streams, unsubscribe);
}
