// History events in the FnF API's shape (GetExecutionHistory `Events[]`). Pure: the
// browser bundle imports this too.

/** One execution history event as the API returns it. */
export interface HistoryEvent {
  EventId: number;
  ScheduleEventId?: number;
  Type: string;
  StepName?: string;
  Time: string;
  /** JSON text; its schema is the engine's (the API docs leave it open; see docs/engine.md). */
  EventDetail?: string;
}

type Loose = Record<string, unknown>;

/** Parses an event's detail; anything that is not a JSON object becomes `{}`. */
export function eventDetail(event: HistoryEvent): Loose {
  if (!event.EventDetail) return {};
  try {
    const parsed: unknown = JSON.parse(event.EventDetail);
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Loose) : {};
  } catch {
    return {};
  }
}

/** Reads a detail field by any of its likely spellings; JSON text values are parsed. */
export function detailField(detail: Loose, ...names: string[]): unknown {
  for (const name of names) {
    const cap = name.charAt(0).toUpperCase() + name.slice(1);
    for (const k of [name, cap]) {
      if (detail[k] === undefined) continue;
      return detail[k];
    }
  }
  return undefined;
}

/** Merges a new event into an ordered, de-duplicated list (by EventId). */
export function mergeEvents(list: HistoryEvent[], incoming: HistoryEvent[]): HistoryEvent[] {
  // Live events nearly always come in order: append without re-sorting.
  const last = list.at(-1)?.EventId ?? Number.NEGATIVE_INFINITY;
  const ordered = incoming.every((e, i) => e.EventId > (i === 0 ? last : incoming[i - 1]!.EventId));
  if (ordered) return [...list, ...incoming];
  const byId = new Map<number, HistoryEvent>();
  for (const e of list) byId.set(e.EventId, e);
  for (const e of incoming) byId.set(e.EventId, e);
  return [...byId.values()].sort((a, b) => a.EventId - b.EventId);
}
