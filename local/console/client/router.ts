// Hash routes: #/flows, #/flows/<flow>, #/flows/<flow>/executions/<execution>, #/queues.

/** A matched route. */
export type Route =
  | { page: 'flows' }
  | { page: 'executions'; flow: string }
  | { page: 'execution'; flow: string; execution: string }
  | { page: 'queues' };

/** Parses a location hash. Unknown hashes show the flows list. */
export function parseRoute(hash: string): Route {
  const decode = (p: string) => {
    try {
      return decodeURIComponent(p);
    } catch {
      return p;
    }
  };
  const parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decode);
  if (parts[0] === 'queues') return { page: 'queues' };
  if (parts[0] === 'flows' && parts[1]) {
    if (parts[2] === 'executions' && parts[3])
      return { page: 'execution', flow: parts[1], execution: parts[3] };
    return { page: 'executions', flow: parts[1] };
  }
  return { page: 'flows' };
}

/** Goes to a console route. */
export function navigate(path: string): void {
  location.hash = `#${path}`;
}
