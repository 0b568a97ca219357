// DOM building without innerHTML: every piece of user data (step names, payloads,
// errors) goes in as text, so nothing a flow or a message carries can run as markup.
import { maskTokens } from '../model/step-states';

type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | undefined | ((ev: Event) => void)>;

function apply(el: Element, attrs: Attrs | undefined): void {
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === false) continue;
    if (typeof v === 'function') el.addEventListener(k.replace(/^on/, ''), v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
}

function append(el: Element, children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    el.append(
      typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c,
    );
  }
}

/** Creates an HTML element; strings become text nodes. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs?: Attrs,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  apply(el, attrs);
  append(el, children);
  return el;
}

const SVG_NS = 'http://www.w3.org/2000/svg';

/** Creates an SVG element; strings become text nodes. */
export function s(tag: string, attrs?: Attrs, ...children: Child[]): SVGElement {
  const el = document.createElementNS(SVG_NS, tag) as SVGElement;
  apply(el, attrs);
  append(el, children);
  return el;
}

/** Replaces all children of `el`. */
export function replaceChildren(el: Element, ...children: Child[]): void {
  el.replaceChildren();
  append(el, children);
}

/** `2026-11-28 18:02:24.123` in local time, or an em dash. */
export function formatTime(iso: string | undefined): string {
  if (!iso) return '—';
  const t = Date.parse(iso);
  if (!Number.isFinite(t)) return iso;
  const d = new Date(t);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}

/** `18:02:24.123` in local time (the date is on the execution), or an em dash. */
export function formatClock(iso: string | undefined): string {
  const full = formatTime(iso);
  return full.length > 11 && full !== iso ? full.slice(11) : full;
}

/** `850 ms`, `3.2 s`, `4 min 5 s`, `2 h 0 min`: rounded first, so never `60.0 s` or `1 min 60 s`. */
export function formatDuration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '—';
  if (Math.round(ms) < 1000) return `${Math.round(ms)} ms`;
  const tenths = Math.round(ms / 100);
  if (tenths < 600) return `${(tenths / 10).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

/** Pretty JSON; JSON text is parsed first so it is not shown double-encoded. */
export function formatJson(v: unknown): string {
  if (v === undefined) return '—';
  if (typeof v === 'string') {
    const t = v.trim();
    if (t.startsWith('{') || t.startsWith('[')) {
      try {
        return JSON.stringify(JSON.parse(t), null, 2);
      } catch {
        return v;
      }
    }
    return v;
  }
  return JSON.stringify(v, null, 2);
}

/**
 * A payload for display: JSON text is parsed, every task token in it shortened (tokens
 * are credentials), then pretty-printed; text that is not JSON is shown as it is.
 */
export function formatPayload(v: unknown): string {
  let value = v;
  if (typeof v === 'string') {
    try {
      value = JSON.parse(v);
    } catch {
      // Not JSON: shown as it is.
    }
  }
  return formatJson(maskTokens(value));
}

/** A link inside the console's hash router. */
export function link(path: string, text: string, attrs: Attrs = {}): HTMLAnchorElement {
  return h('a', { href: `#${path}`, ...attrs }, text);
}

/** Encodes one path segment of a console route. */
export const seg = (v: string): string => encodeURIComponent(v);
