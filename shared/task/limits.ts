/** ReportTaskFailed limits (FnF API): Error 1–128 characters, Cause at most 4096. */
export const REPORT_LIMITS = Object.freeze({ errorMax: 128, causeMax: 4096 });

/** Cuts `text` to at most `max` characters without splitting a surrogate pair, marking the cut. */
export function truncate(text: string, max: number): string {
  const chars = Array.from(text);
  if (chars.length <= max) return text;
  const mark = '...';
  if (max <= mark.length) return chars.slice(0, max).join('');
  return chars.slice(0, max - mark.length).join('') + mark;
}

/** Makes an (error, cause) pair fit ReportTaskFailed: error never empty, cause omitted when empty. */
export function fitFailureReport(error: string, cause?: string): { error: string; cause?: string } {
  const e = truncate(error.trim() || 'Error', REPORT_LIMITS.errorMax);
  const c = cause === undefined ? '' : truncate(cause, REPORT_LIMITS.causeMax);
  return c ? { error: e, cause: c } : { error: e };
}
