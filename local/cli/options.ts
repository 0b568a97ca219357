import { InvalidArgumentError } from 'commander';

/** Parses a TCP port (0 allowed: pick a free one). */
export function parsePort(value: string): number {
  // Digits only: Number() would take '' (0, a random port) and 0x10.
  const n = /^[0-9]+$/.test(value.trim()) ? Number(value) : Number.NaN;
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    throw new InvalidArgumentError(`"${value}" is not a port number (0-65535)`);
  }
  return n;
}

/** Parses a positive integer option. */
export function parsePositiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) {
    throw new InvalidArgumentError(`"${value}" is not a positive integer`);
  }
  return n;
}

/**
 * The environment the clients' loadConfig reads, with --endpoint (when given)
 * in place of QUEUEFLOW_ENDPOINT: the flag wins, else the variable, else the cloud.
 */
export function envWithEndpoint(endpoint: string | undefined): NodeJS.ProcessEnv {
  return endpoint ? { ...process.env, QUEUEFLOW_ENDPOINT: endpoint } : process.env;
}

/** Where the CLI's local commands look for the stack when nothing says otherwise. */
export const DEFAULT_ENDPOINT = 'http://127.0.0.1:9300';

/**
 * ` --endpoint <url>` for a printed hint, unless `endpoint` is the default:
 * pasted as shown, a hint must reach the same stack.
 */
export function endpointFlag(endpoint: string): string {
  return endpoint === DEFAULT_ENDPOINT ? '' : ` --endpoint ${endpoint}`;
}
