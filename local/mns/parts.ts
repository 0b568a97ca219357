import type { Clock } from '../clock';
import type { Store } from '../store/store';
import type { createQueueStore } from './queue-store';
import type { WaiterRegistry } from './waiters';

/** What the parts of the queue service (lifecycle, sending, receiving, handles) are built on. */
export interface QueueServiceBase {
  store: Store;
  q: ReturnType<typeof createQueueStore>;
  clock: Clock;
  waiters: WaiterRegistry;
}
