// Semantic checks of data: mappings and their sources, foreach collections, waits.
import { add, CONTEXT_PATHS, type Walk } from './check-context';
import { classifySource } from './mappings';
import { parsePath } from './path';
import { childPath, indexPath } from './problems';
import { didYouMean, suggest } from './suggest';
import type { Json, Mapping } from './types';

const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:[Zz]|[+-](\d{2}):(\d{2}))$/;

/**
 * Milliseconds since the epoch of an RFC 3339 date-time with its zone (Z or an
 * offset): what a wait timestamp must be. NaN for anything else, including a
 * date or time RFC 3339 §5.7 rules out (Feb 29 of a common year, 24:00), which
 * Date.parse would roll over to the next day. A leap second (:60) is refused
 * too: the service cannot say when it falls.
 */
export function parseRfc3339(text: string): number {
  const m = RFC3339.exec(text);
  if (!m) return Number.NaN;
  const [year, month, day, hour, minute, second, offsetHour, offsetMinute] = [
    1, 2, 3, 4, 5, 6, 7, 8,
  ].map((i) => Number(m[i] ?? 0)) as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const monthDays = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
  if (monthDays === undefined || day < 1 || day > monthDays) return Number.NaN;
  if (hour > 23 || minute > 59 || second > 59 || offsetHour > 23 || offsetMinute > 59) {
    return Number.NaN;
  }
  return Date.parse(text);
}

/** Where a mapping list sits, which decides what its paths may read. */
export type MappingScope = 'flow-input' | 'flow-output' | 'step-input' | 'step-output' | 'error';

/** Checks a foreach step's iterationMapping. */
export function checkIteration(
  w: Walk,
  im: { collection: string; item: string; index?: string } | undefined,
  path: string,
): void {
  if (!im || typeof im !== 'object') {
    add(w, 'error', 'required-field', '"iterationMapping" is required in a foreach step', path);
    return;
  }
  const cp = childPath(path, 'collection');
  if (typeof im.collection !== 'string' || im.collection === '') {
    add(
      w,
      'error',
      'required-field',
      '"collection" is required: a $.path to an array in the step input',
      cp,
    );
  } else {
    const parsed = parsePath(im.collection);
    if (!parsed.ok) {
      add(
        w,
        'error',
        'collection-path',
        `collection is a $.path to an array in the step input: ${parsed.message}`,
        cp,
        parsed.offset,
      );
    } else if (parsed.path.root !== '$') {
      const rest = parsed.path.text.slice(parsed.path.root.length);
      add(
        w,
        'error',
        'collection-path',
        `collection is a path into the step input, written $${rest || '.key'}; ${parsed.path.root} is not available here`,
        cp,
      );
    }
  }
  if (typeof im.item !== 'string' || im.item === '') {
    add(
      w,
      'error',
      'required-field',
      '"item" is required: the key under which each element goes into the iteration input',
      childPath(path, 'item'),
    );
  }
  if (im.index !== undefined && (typeof im.index !== 'string' || im.index === '')) {
    add(w, 'error', 'invalid-value', 'index is a key name', childPath(path, 'index'));
  } else if (im.index !== undefined && im.index === im.item) {
    add(
      w,
      'error',
      'invalid-value',
      `index and item are both "${im.item}"; use two different keys`,
      childPath(path, 'index'),
    );
  }
}

/** Checks the duration/timestamp of a wait step. */
export function checkWait(
  w: Walk,
  duration: number | string | undefined,
  timestamp: string | undefined,
  path: string,
): void {
  if ((duration === undefined) === (timestamp === undefined)) {
    add(
      w,
      'error',
      'wait-duration-timestamp',
      duration === undefined
        ? 'a wait step needs exactly one of duration (seconds or $.path) and timestamp (RFC3339 or $.path)'
        : 'a wait step takes exactly one of duration and timestamp, not both',
      duration === undefined ? childPath(path, 'duration') : childPath(path, 'timestamp'),
    );
  }
  if (typeof duration === 'number') {
    if (duration < 0 || duration > w.limits.waitMaxSeconds || !Number.isFinite(duration)) {
      add(
        w,
        'error',
        'out-of-range',
        `duration is 0 to ${w.limits.waitMaxSeconds} seconds (2 days), got ${duration}`,
        childPath(path, 'duration'),
      );
    }
  } else if (typeof duration === 'string') {
    checkWaitPath(
      w,
      duration,
      childPath(path, 'duration'),
      'duration is seconds (a number) or a $.path to one',
    );
  }
  if (typeof timestamp === 'string') {
    if (timestamp.startsWith('$')) {
      checkWaitPath(
        w,
        timestamp,
        childPath(path, 'timestamp'),
        'timestamp is an RFC3339 time or a $.path to one',
      );
    } else if (Number.isNaN(parseRfc3339(timestamp))) {
      add(
        w,
        'error',
        'invalid-value',
        `timestamp "${timestamp}" is not an RFC3339 time such as 2019-05-02T15:04:05Z`,
        childPath(path, 'timestamp'),
      );
    }
  }
}

function checkWaitPath(w: Walk, value: string, path: string, what: string): void {
  const parsed = parsePath(value);
  if (!parsed.ok) {
    add(w, 'error', 'invalid-value', `${what}: ${parsed.message}`, path, parsed.offset);
  } else if (parsed.path.root !== '$') {
    add(
      w,
      'error',
      'invalid-value',
      `${what}; paths here refer to the step input ($.key), not ${parsed.path.root}`,
      path,
    );
  }
}

/** Checks a mapping list: targets, sources, the 32 KiB constant limit. */
export function checkMappings(
  w: Walk,
  mappings: readonly Mapping[] | undefined,
  path: string,
  scope: MappingScope,
  inTask: boolean,
): void {
  if (mappings === undefined) return;
  if (!Array.isArray(mappings)) {
    add(w, 'error', 'invalid-type', 'expected a list of mappings ({target, source})', path);
    return;
  }
  const targets = new Map<string, number>();
  mappings.forEach((m, i) => {
    const p = indexPath(path, i);
    if (!m || typeof m !== 'object') {
      add(w, 'error', 'invalid-type', 'expected a mapping ({target, source})', p);
      return;
    }
    const tp = childPath(p, 'target');
    if (typeof m.target !== 'string' || m.target === '') {
      add(w, 'error', 'mapping-target', 'target is a non-empty key name', tp);
    } else {
      const earlier = targets.get(m.target);
      if (earlier !== undefined) {
        add(
          w,
          'warning',
          'mapping-target',
          `target "${m.target}" is also set by ${indexPath(path, earlier)}; the later mapping wins`,
          tp,
        );
      }
      targets.set(m.target, i);
      if (m.target.startsWith('$')) {
        add(
          w,
          'warning',
          'mapping-target',
          `target is a plain key; "${m.target}" is used literally as a key, paths are not supported here`,
          tp,
        );
      } else if (m.target.includes('.') || m.target.includes('[')) {
        add(
          w,
          'warning',
          'mapping-target',
          `target "${m.target}" is one literal key; nested targets are not supported (the key contains "${m.target.includes('.') ? '.' : '['}")`,
          tp,
        );
      }
    }
    checkSource(w, m.source, childPath(p, 'source'), scope, inTask);
  });
  let constantBytes = 0;
  for (const m of mappings) {
    if (m && typeof m === 'object' && classifySource(m.source) === 'constant') {
      constantBytes += utf8.encode(JSON.stringify(m.source) ?? '').length;
    }
  }
  if (constantBytes > w.limits.stepDataBytes) {
    add(
      w,
      'error',
      'out-of-range',
      `the constant sources of these mappings alone are ${constantBytes} bytes; a step's input, output and local together are limited to ${w.limits.stepDataBytes} bytes (32 KiB)`,
      path,
    );
  }
}

const utf8 = new TextEncoder();

function checkSource(
  w: Walk,
  source: Json,
  path: string,
  scope: MappingScope,
  inTask: boolean,
): void {
  if (typeof source !== 'string' || !source.startsWith('$')) return;
  if (classifySource(source) === 'constant') {
    const word = /^\$[A-Za-z_]*/.exec(source)?.[0] ?? '$';
    const guess = suggest(word, ['$input', '$local', '$context']);
    add(
      w,
      'warning',
      'mapping-source',
      `"${source}" is not a path, so it is used as a constant string.${guess ? ` Did you mean ${guess}${source.slice(word.length)}?` : ' Paths start with $input, $local, $context or $.'}`,
      path,
    );
    return;
  }
  const parsed = parsePath(source);
  if (!parsed.ok) {
    add(w, 'error', 'mapping-source', `invalid path: ${parsed.message}`, path, parsed.offset);
    return;
  }
  const root = parsed.path.root;
  if (root === '$context') {
    const text = parsed.path.text;
    const known = CONTEXT_PATHS.some((c) => c === text || c.startsWith(`${text}.`));
    if (!known) {
      add(
        w,
        'warning',
        'context-field',
        `${text} is not a $context field FDL v1 defines; known: ${CONTEXT_PATHS.join(', ')}.${didYouMean(text, CONTEXT_PATHS)}`,
        path,
      );
    } else if (text.startsWith('$context.task') && !(inTask && scope === 'step-input')) {
      add(
        w,
        'warning',
        'context-field',
        '$context.task.token exists only in the inputMappings of a task step',
        path,
      );
    }
  }
  if (scope === 'flow-input' && root === '$local') {
    add(
      w,
      'warning',
      'mapping-source',
      'the flow local is empty when flow inputMappings run; use $input (the execution input)',
      path,
    );
  }
  if (scope === 'error' && root === '$local') {
    const first = parsed.path.segments[0];
    if (first && !(first.kind === 'key' && (first.key === 'error' || first.key === 'cause'))) {
      add(
        w,
        'warning',
        'mapping-source',
        'in errorMappings $local holds only error and cause',
        path,
      );
    }
  }
}
