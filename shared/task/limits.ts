/** MNS's smallest visibility timeout: "release now" is "visible again in 1 s". */
export const RELEASE_SECONDS = 1;

/** ReportTaskFailed limits (FnF API): Error 1–128 characters, Cause at most 4096. */
export const REPORT_LIMITS = Object.freeze({ errorMax: 128, causeMax: 4096 });

/**
 * Cuts `text` to at most `max` characters as the API counts them, UTF-16 code
 * units (an emoji is two), without splitting a surrogate pair, marking the cut.
 */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  const mark = '...';
  const room = max <= mark.length ? max : max - mark.length;
  // A cut between the two halves of a pair would leave a lone surrogate.
  const last = text.charCodeAt(room - 1);
  const end = last >= 0xd800 && last <= 0xdbff ? room - 1 : room;
  return max <= mark.length ? text.slice(0, end) : text.slice(0, end) + mark;
}

// A high surrogate with no low one after it, or a low one with no high one before it.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * `text` with each lone surrogate (half an emoji, as `slice` through one leaves
 * it) replaced by U+FFFD. pop-core's encodeURIComponent throws URIError on one,
 * so such a report would never reach the flow.
 */
export function wellFormed(text: string): string {
  return text.replace(LONE_SURROGATE, '\uFFFD');
}

/**
 * Makes an (error, cause) pair fit ReportTaskFailed: well-formed text, error
 * never empty, cause omitted when empty.
 */
export function fitFailureReport(error: string, cause?: string): { error: string; cause?: string } {
  const e = truncate(wellFormed(String(error)).trim() || 'Error', REPORT_LIMITS.errorMax);
  const c = cause === undefined ? '' : truncate(wellFormed(cause), REPORT_LIMITS.causeMax);
  return c ? { error: e, cause: c } : { error: e };
}
