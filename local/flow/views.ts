import type { EventRow, ExecRow, FlowRow } from './repo';
import type { HistoryEvent } from './types';

/** Formats epoch ms as the API does (RFC 3339 UTC with milliseconds). */
export const isoTime = (ms: number) => new Date(ms).toISOString();

/** A flow as DescribeFlow returns it. */
export function flowView(f: FlowRow): Record<string, unknown> {
  const v: Record<string, unknown> = {
    Name: f.name,
    Id: f.id,
    Type: f.type,
    Definition: f.definition,
    Description: f.description,
    RoleArn: f.role_arn,
    ExecutionMode: f.execution_mode,
    CreatedTime: isoTime(f.created_ms),
    LastModifiedTime: isoTime(f.modified_ms),
  };
  if (f.environment) v.Environment = f.environment;
  return v;
}

/**
 * An execution as DescribeExecution returns it. Output and StoppedTime appear
 * only once set (the cloud sends empty strings early on; clients accept both).
 * `metadata` (ListExecutions with MetadataOnly=true) leaves out the definition,
 * Input and Output.
 */
export function executionView(
  e: ExecRow,
  fields: 'full' | 'metadata' = 'full',
): Record<string, unknown> {
  const v: Record<string, unknown> = {
    Name: e.name,
    FlowName: e.flow_name,
    Status: e.status,
    StartedTime: isoTime(e.started_ms),
  };
  if (fields === 'full') {
    v.FlowDefinition = e.definition;
    v.Input = e.input;
    if (e.output !== null) v.Output = e.output;
  }
  if (e.stopped_ms !== null) v.StoppedTime = isoTime(e.stopped_ms);
  return v;
}

/** A history row as GetExecutionHistory returns it. */
export function eventView(r: EventRow): HistoryEvent {
  return {
    EventId: r.event_id,
    ScheduleEventId: r.schedule_event_id,
    Type: r.type,
    StepName: r.step_name,
    Time: isoTime(r.time_ms),
    EventDetail: r.detail,
  };
}

/** An event's EventDetail as an object; text that is not a JSON object or array reads as `{}`. */
export function parseEventDetail(text: string): Record<string, unknown> {
  try {
    const v = JSON.parse(text) as unknown;
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
