import type { VirtualClock } from '../../local/clock';
import { createSecretLookup } from '../../local/credentials';
import { silentLogger } from '../../local/log';
import { createQueueService } from '../../local/mns';
import type { Store } from '../../local/store/store';

/** The queue service alone over `store`, on `clock`, as the stack builds it (unit tests). */
export function buildQueueService(store: Store, clock: VirtualClock, relaxLimits = false) {
  return createQueueService({
    store,
    clock,
    logger: silentLogger,
    accountId: '1',
    region: 'cn-hangzhou',
    secrets: createSecretLookup(),
    relaxLimits,
  });
}
