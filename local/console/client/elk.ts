// ELK in a Web Worker, so laying out a big flow never freezes the page. The worker script
// is elkjs's own, served by the console route from node_modules.
import ELK from 'elkjs/lib/elk-api.js';
import type { ElkLayouter } from '../model/layout';

/** The worker script's URL on the console route. */
export const ELK_WORKER_URL = '/console/elk-worker.js';

let elk: ElkLayouter | undefined;

/** The page's one ELK instance (one worker). */
export function getElk(): ElkLayouter {
  elk ??= new ELK({ workerUrl: ELK_WORKER_URL });
  return elk;
}
