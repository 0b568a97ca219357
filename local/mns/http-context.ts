import type { IncomingMessage, ServerResponse } from 'node:http';
import type { StackContext } from '../stack';
import type { Query } from './http-io';
import type { QueueServiceInternals } from './service';
import type { QueueService } from './types';

/** One signed, parsed MNS request on its way to an operation. */
export interface MnsRequest {
  req: IncomingMessage;
  res: ServerResponse;
  requestId: string;
  /** Raw body text (UTF-8). */
  body: string;
  query: Query;
  /** `http://host[:port]`, as the client addressed us: the base of QueueURLs. */
  base: string;
  service: QueueService & QueueServiceInternals;
  ctx: StackContext;
}
