import { classifySource, isServiceParamPath } from './mappings';
import { parsePath } from './path';
import type { Json, JsonObject, TaskStep } from './types';

/** What can be known statically about the size of the message a task sends. */
export interface MessageSizeEstimate {
  /** UTF-8 bytes of the message body counting only its constant parts: a lower bound. */
  minBytes: number;
  /** True when the whole body is constant, so minBytes is exact. */
  exact: boolean;
}

const utf8 = new TextEncoder();

/**
 * A lower bound on the body of the message an MNS task sends: `MessageBody: $` (or no
 * MessageBody) is the JSON of the mapped input, in which only constant sources are known; a
 * path that matches nothing drops its key, so unknown parts count as zero bytes.
 * @example estimateMessageBytes(task).minBytes
 */
export function estimateMessageBytes(step: TaskStep): MessageSizeEstimate {
  const body = step.serviceParams?.MessageBody;
  if (body === undefined || body === '$') return mappedInputEstimate(step);
  if (typeof body === 'string' && isServiceParamPath(body)) {
    const parsed = parsePath(body);
    const first = parsed.ok ? parsed.path.segments[0] : undefined;
    if (parsed.ok && parsed.path.segments.length === 1 && first?.kind === 'key') {
      const mapping = [...(step.inputMappings ?? [])].reverse().find((m) => m.target === first.key);
      if (mapping && classifySource(mapping.source) === 'constant') {
        return { minBytes: bodyBytes(mapping.source), exact: true };
      }
    }
    return { minBytes: 0, exact: false };
  }
  return { minBytes: bodyBytes(body), exact: !containsPath(body) };
}

function mappedInputEstimate(step: TaskStep): MessageSizeEstimate {
  if (step.inputMappings === undefined) return { minBytes: 2, exact: false };
  const known: JsonObject = {};
  let exact = true;
  for (const m of step.inputMappings) {
    if (classifySource(m.source) === 'constant') {
      Object.defineProperty(known, m.target, {
        value: m.source,
        enumerable: true,
        configurable: true,
        writable: true,
      });
    } else {
      exact = false;
      delete known[m.target];
    }
  }
  return { minBytes: utf8.encode(JSON.stringify(known)).length, exact };
}

function bodyBytes(value: Json): number {
  return utf8.encode(typeof value === 'string' ? value : JSON.stringify(value)).length;
}

function containsPath(value: Json): boolean {
  if (typeof value === 'string') return isServiceParamPath(value);
  if (Array.isArray(value)) return value.some(containsPath);
  if (value && typeof value === 'object') return Object.values(value).some(containsPath);
  return false;
}
