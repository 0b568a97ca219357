// History events in the FnF API's shape (GetExecutionHistory `Events[]`). Pure: the
// browser bundle imports this too.

/** One execution history event as the API returns it. */
export interface HistoryEvent {
  EventId: number;
  ScheduleEventId?: number;
  Type: string;
  StepName?: string;
  Time: string;
  /** JSON text; its schema is the engine's (reference §6.4 leaves it open). */
  EventDetail?: string;
}

type Loose = Record<string, unknown>;

function pick(o: Loose, ...keys: string[]): unknown {
  for (const k of keys) if (o[k] !== undefined) return o[k];
  return undefined;
}

/**
 * Accepts the API shape or a camelCase in-process shape (the engine's onEvent may hand
 * either) and returns the API shape, so every consumer reads one form.
 */
export function normalizeEvent(raw: unknown): HistoryEvent | undefined {
  if (!raw || typeof raw !== 'object') return undefined;
  const o = raw as Loose;
  const id = Number(pick(o, 'EventId', 'eventId', 'id'));
  const type = pick(o, 'Type', 'type');
  if (!Number.isFinite(id) || typeof type !== 'string') return undefined;
  const schedule = pick(o, 'ScheduleEventId', 'scheduleEventId');
  const stepName = pick(o, 'StepName', 'stepName');
  const time = pick(o, 'Time', 'time');
  const detail = pick(o, 'EventDetail', 'eventDetail', 'detail');
  const event: HistoryEvent = {
    EventId: id,
    Type: type,
    Time: typeof time === 'number' ? new Date(time).toISOString() : String(time ?? ''),
  };
  if (schedule !== undefined && schedule !== null && schedule !== '') {
    event.ScheduleEventId = Number(schedule);
  }
  if (typeof stepName === 'string' && stepName !== '') event.StepName = stepName;
  if (detail !== undefined && detail !== null) {
    event.EventDetail = typeof detail === 'string' ? detail : JSON.stringify(detail);
  }
  return event;
}

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
