// The operations of a sequence and the modes a run reaches the service in.
import type { QueueName } from './queues';

/** How a run reaches the service. */
export type ModelMode = 'inproc' | 'txn' | 'sdk' | 'file' | 'longpoll';

export interface SendItem {
  pri?: number;
  delay?: number;
}

/** One step of a sequence. Handles are picked by index among every handle seen so far. */
export type ModelOp =
  | ({ op: 'send'; q: QueueName } & SendItem)
  | { op: 'bsend'; q: QueueName; items: SendItem[] }
  /** `bound`: a process-bound claim (ReceiveOptions.processBound), in process only. */
  | { op: 'recv'; q: QueueName; max: number; vt?: number; bound?: boolean }
  | { op: 'lp'; q: QueueName; max: number; vt?: number }
  | { op: 'peek'; q: QueueName; max: number }
  | { op: 'del'; q: QueueName; h: number }
  | { op: 'bdel'; q: QueueName; hs: number[] }
  | { op: 'cv'; q: QueueName; h: number; s: number }
  | { op: 'adv'; ms: number }
  | { op: 'stats'; q: QueueName }
  | { op: 'txn'; q: QueueName; h: number; kind: 'del' | 'cv' | 'recv' | 'peek-after-del' }
  | { op: 'recreate'; q: QueueName }
  | { op: 'restart' };
