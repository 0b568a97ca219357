import { MnsError } from './errors';
import type { MnsRequest } from './http-context';
import { queryFlag, reply } from './http-io';
import { DLQ_ELEMENT, intField, MAX_RECEIVE_ELEMENT, parseQueueAttributes } from './http-parse';
import { elements, xmlDocument } from './xml';

/** PUT /queues/{name}: CreateQueue (201/204/409), or SetQueueAttributes with ?metaoverride=true. */
export function putQueue(r: MnsRequest, name: string): void {
  const attrs = parseQueueAttributes(r.body);
  if (queryFlag(r.query, 'metaoverride')) {
    r.service.setQueueAttributes(name, attrs);
    reply(r.res, r.requestId, 204);
    return;
  }
  const outcome = r.service.createQueueStrict(name, attrs);
  reply(r.res, r.requestId, outcome === 'created' ? 201 : 204, undefined, {
    location: `${r.base}/queues/${name}`,
  });
}

/** DELETE /queues/{name}: 204, also for a queue that does not exist (idempotent, docs/mns.md). */
export function deleteQueue(r: MnsRequest, name: string): void {
  r.service.deleteQueue(name);
  reply(r.res, r.requestId, 204);
}

/** GET /queues/{name}: GetQueueAttributes, every field the SDKs require. */
export function getQueue(r: MnsRequest, name: string): void {
  reply(r.res, r.requestId, 200, xmlDocument('Queue', queueFields(r, name, false)));
}

/** GET /queues: ListQueue with x-mns-marker, -ret-number, -prefix, -with-meta. */
export function listQueues(r: MnsRequest): void {
  const h = r.req.headers;
  const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);
  const limit = intField(one(h['x-mns-ret-number']), 'x-mns-ret-number', 1, 1000) ?? 1000;
  const marker = one(h['x-mns-marker']) ?? '';
  const rawPrefix = one(h['x-mns-prefix']);
  const prefix = rawPrefix === undefined || rawPrefix === 'undefined' ? '' : rawPrefix;
  const withMeta = one(h['x-mns-with-meta'])?.toLowerCase() === 'true';
  const names = r.service.listQueuesPage({ marker, prefix, limit: limit + 1 });
  const page = names.slice(0, limit);
  let inner = '';
  for (const name of page) {
    const fields = withMeta
      ? queueFields(r, name, true)
      : elements([['QueueURL', `${r.base}/queues/${name}`]]);
    inner += `<Queue>${fields}</Queue>`;
  }
  const next = names[limit];
  if (next !== undefined) inner += elements([['NextMarker', next]]);
  reply(r.res, r.requestId, 200, xmlDocument('Queues', inner));
}

function queueFields(r: MnsRequest, name: string, withUrl: boolean): string {
  const info = r.service.getQueue(name);
  const stats = r.service.stats(name);
  const a = info.attributes;
  return elements([
    ['QueueURL', withUrl ? `${r.base}/queues/${name}` : undefined],
    ['QueueName', name],
    ['CreateTime', info.createTime],
    ['LastModifyTime', info.lastModifyTime],
    ['DelaySeconds', a.DelaySeconds],
    ['MaximumMessageSize', a.MaximumMessageSize],
    ['MessageRetentionPeriod', a.MessageRetentionPeriod],
    ['VisibilityTimeout', a.VisibilityTimeout],
    ['PollingWaitSeconds', a.PollingWaitSeconds],
    ['ActiveMessages', stats.active],
    ['InactiveMessages', stats.inflight],
    ['DelayMessages', stats.delayed],
    ['LoggingEnabled', a.LoggingEnabled ? 'True' : 'False'],
    [DLQ_ELEMENT, a.DeadLetterQueue ?? undefined],
    [MAX_RECEIVE_ELEMENT, a.MaxReceiveCount ?? undefined],
  ]);
}

/** Guards against a queue name with path separators sneaking into a route. */
export function queueNameFrom(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch (err) {
    throw new MnsError('InvalidQueueName', undefined, { cause: err });
  }
}
