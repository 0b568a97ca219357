import { InvalidArgumentError } from 'commander';
import { checkEndpoint } from '../../shared/clients/config';

/** Parses a TCP port (0 allowed: pick a free one). */
export function parsePort(value: string): number {
  // Digits only: Number() would take '' (0, a random port) and 0x10.
  const n = /^[0-9]+$/.test(value.trim()) ? Number(value) : Number.NaN;
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    throw new InvalidArgumentError(`"${value}" is not a port number (0-65535)`);
  }
  return n;
}

/** `--retain-days`: a positive number of days (fractions allowed: 0.5 is 12 hours). */
export function parseRetainDays(value: string): number {
  const n = /^[0-9]+(\.[0-9]+)?$/.test(value.trim()) ? Number(value) : Number.NaN;
  if (!(n > 0)) throw new InvalidArgumentError(`"${value}" is not a number of days above 0`);
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

/** Parses a whole number of at least 0 (0 meaning "no limit" where the option says so). */
export function parseCount(value: string): number {
  const n = /^[0-9]+$/.test(value.trim()) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n)) {
    throw new InvalidArgumentError(`"${value}" is not 0 or a positive whole number`);
  }
  return n;
}

/**
 * The environment the clients' loadConfig reads, with --endpoint (when given)
 * in place of QUEUEFLOW_ENDPOINT: the flag wins, else the variable, else the cloud.
 * The flag is checked here, so a bad value is reported as --endpoint's.
 */
export function envWithEndpoint(
  endpoint: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): NodeJS.ProcessEnv {
  return endpoint === undefined
    ? env
    : { ...env, QUEUEFLOW_ENDPOINT: checkEndpoint(endpoint, '--endpoint') };
}

/** Where the CLI's local commands look for the stack when nothing says otherwise. */
export const DEFAULT_ENDPOINT = 'http://127.0.0.1:9300';

/**
 * The stack endpoint of a command that defaults to the local stack: --endpoint,
 * else QUEUEFLOW_ENDPOINT, else DEFAULT_ENDPOINT; checked before any call, with
 * an error naming where a bad value came from.
 */
export function resolveEndpoint(
  endpoint: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): string {
  if (endpoint !== undefined) return checkEndpoint(endpoint, '--endpoint');
  const fromEnv = env.QUEUEFLOW_ENDPOINT?.trim();
  return fromEnv ? checkEndpoint(fromEnv, 'QUEUEFLOW_ENDPOINT') : DEFAULT_ENDPOINT;
}

/**
 * ` --endpoint <url>` for a printed hint, unless `endpoint` is the default:
 * pasted as shown, a hint must reach the same stack.
 */
export function endpointFlag(endpoint: string): string {
  return endpoint === DEFAULT_ENDPOINT ? '' : ` --endpoint ${endpoint}`;
}
