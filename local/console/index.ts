// The local web console as a stack component.
import type { Logger } from '../log';
import type { StackComponent } from '../stack';
import { sharedClientBundler } from './assets';
import {
  type ConsoleBackend,
  createConsoleBackend,
  type EngineLike,
  type QueuesLike,
} from './backend';
import type { LiveStreams } from './live';
import { createConsoleRoute } from './route';

export type { ConsoleBackend, EngineLike, QueuesLike } from './backend';
export { createConsoleBackend } from './backend';

/** The console component: its route, and live streams to end on stop. */
export interface ConsoleComponent extends StackComponent {
  readonly backend: ConsoleBackend;
}

/**
 * Creates the console over a backend, or over the real engine and queue service.
 * Serves `/console` on the stack's port.
 */
export function createConsole(
  options: { logger: Logger } & (
    | { backend: ConsoleBackend }
    | { engine: EngineLike; queues?: QueuesLike }
  ),
): ConsoleComponent {
  const backend =
    'backend' in options
      ? options.backend
      : createConsoleBackend({
          engine: options.engine,
          ...(options.queues ? { queues: options.queues } : {}),
        });
  const logger = options.logger.child('console');
  const streams: LiveStreams = new Set();
  const bundle = sharedClientBundler();
  return {
    name: 'console',
    backend,
    routes: [createConsoleRoute({ backend, bundle, streams, logger })],
    stop() {
      for (const res of streams) res.end();
      streams.clear();
    },
  };
}
