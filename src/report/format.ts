/**
 * Number and text formatting shared by the HTML pages and the chart specs. Pure functions, no DOM.
 *
 * `usdFormat` is also registered as a vega expression function (`formatType: 'usd'` in a chart spec),
 * both in Node (SVG export) and in the page. The page scripts (src/report/browser/) import this module
 * and are bundled for the browser: it must stay free of Node built-ins and of run-time imports (type
 * imports are fine; scripts/build-browser.mjs refuses anything else reaching the page bundles).
 */
import type { Estimate } from '../stats/ci.js';

/** Escapes the five HTML-special characters; safe for element content and quoted attributes. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/**
 * Compact dollars with about three significant digits: 0 → "$0", 0.456 → "$0.46", 12.5 → "$12.5",
 * 250000 → "$250k", 1234567 → "$1.23M", 2.5e9 → "$2.5B". Negative values get a minus sign (U+2212).
 * Non-numbers are returned as text. Used for axis labels and tooltips (vega `formatType: 'usd'`).
 * @example usdFormat(1234567) === '$1.23M'
 */
export function usdFormat(value: unknown, _format?: unknown): string {
  const x = typeof value === 'number' ? value : Number(value);
  if (!Number.isFinite(x)) return String(value);
  const a = Math.abs(x);
  const sign = x < 0 ? '\u2212' : '';
  const digits = (v: number): string => {
    const d = v >= 100 ? 0 : v >= 10 ? 1 : 2;
    let s = v.toFixed(d);
    if (s.indexOf('.') >= 0) s = s.replace(/0+$/, '').replace(/\.$/, '');
    return s;
  };
  if (a === 0) return '$0';
  // Round first so 999,999 prints as "$1M", not "$1000k".
  const units: [number, string][] = [
    [1e12, 'T'],
    [1e9, 'B'],
    [1e6, 'M'],
    [1e3, 'k'],
  ];
  for (const [u, suffix] of units) {
    if (a >= u * 0.9995) {
      const v = a / u;
      if (v >= 999.5 && u < 1e12) continue;
      return sign + '$' + digits(v) + suffix;
    }
  }
  if (a < 0.01) return sign + '$' + a.toPrecision(2);
  return sign + '$' + (a >= 100 ? a.toFixed(0) : a.toFixed(2));
}

/** Dollars for headline numbers: like `usdFormat`, but whole dollars below $1,000 keep cents. */
export function fmtUsd(x: number): string {
  return usdFormat(x);
}

/** The minus sign every output uses (U+2212), never a hyphen. */
export const MINUS = '\u2212';

/**
 * HTML text where no line break can fall between a sign and its number: a word joiner (U+2060) after every
 * minus sign (U+2212) or plus that a currency sign follows ("−$3.55k" would otherwise break after "−"; a sign
 * before a digit never breaks). For page text only: summary.md and the terminal keep plain text.
 * @example joinSigns('[−$35.2k, +$3k]') === '[−\u2060$35.2k, +\u2060$3k]'
 */
export function joinSigns(html: string): string {
  return html.replace(/([\u2212+])([$€£])/g, '$1\u2060$2');
}

/** Replaces a leading hyphen-minus (as `toFixed` writes it) by the minus sign U+2212. */
export function minus(s: string): string {
  return s.replace(/^-/, MINUS);
}

/** Digits after the point for a percentage of size `a` (in percent): 12.3, 1.23, 0.123, 0.0123. */
function pctDigits(a: number): number {
  return a >= 10 ? 1 : a >= 0.1 ? 2 : 3;
}

/**
 * A fraction as a percentage with sensible precision: 0 → "0%", 0.0004 → "0.040%", 0.1234 → "12.3%",
 * −0.05 → "−5.00%" (minus sign U+2212).
 */
export function fmtPct(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (Math.abs(x) < 1e-12) return '0%';
  const p = 100 * x;
  return `${minus(p.toFixed(pctDigits(Math.abs(p))))}%`;
}

/**
 * A difference of two rates (fractions) in percentage points, always signed: 0.017 → "+1.7 pp",
 * −0.0042 → "−0.42 pp", 0.00012 → "+0.012 pp", 0 → "0 pp". A difference of rates is never a
 * percentage: 2% → 3% is "+1.0 pp" (a 50% relative rise).
 * @example fmtPp(0.017) === '+1.7 pp'
 */
export function fmtPp(d: number): string {
  if (!Number.isFinite(d)) return String(d);
  const p = 100 * d;
  if (Math.abs(p) < 5e-10) return '0 pp';
  const a = Math.abs(p);
  return `${p > 0 ? '+' : MINUS}${a.toFixed(a >= 0.995 ? 1 : a >= 0.0995 ? 2 : 3)} pp`;
}

/**
 * Dollars in full with thousands separators, for text and the terminal: 1234567.8 → "$1,234,568",
 * 12.5 → "$12.50", −250000 → "−$250,000". Below $100 cents are kept.
 * @example fmtUsdFull(1234567.8) === '$1,234,568'
 */
export function fmtUsdFull(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  const digits = a < 100 && a > 0 ? 2 : 0;
  const body = a.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
  return `${x < 0 && body !== '0' && body !== '0.00' ? MINUS : ''}$${body}`;
}

/** A signed value: "+" or "−" before `f(|x|)`; 0 → f(0), unsigned. */
export function fmtSigned(x: number, f: (v: number) => string): string {
  if (!Number.isFinite(x)) return String(x);
  return `${x > 0 ? '+' : x < 0 ? MINUS : ''}${f(Math.abs(x))}`;
}

/** A plain number with thousands separators and the minus sign: −1234.5 → "−1,234.5". */
export function fmtNum(x: number, maxDigits = 2): string {
  if (!Number.isFinite(x)) return String(x);
  return minus(x.toLocaleString('en-US', { maximumFractionDigits: maxDigits }));
}

/** Whole numbers with thousands separators: 12345 → "12,345", −3 → "−3". */
export function fmtInt(x: number): string {
  return minus(Math.round(x).toLocaleString('en-US'));
}

/** A duration in milliseconds as "850 ms", "12.3 s" or "4 min 05 s". */
export function fmtDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
}

/** A confidence limit as text: the value, or "open" when the sample cannot give one (null). */
export function fmtLimit(x: number | null, f: (x: number) => string): string {
  return x === null ? 'open' : f(x);
}

/** "[lower, upper]" of an estimate, with "open" for a missing limit. */
export function fmtInterval(e: Pick<Estimate, 'lower' | 'upper'>, f: (x: number) => string): string {
  return `[${fmtLimit(e.lower, f)}, ${fmtLimit(e.upper, f)}]`;
}

/**
 * The paths a tail figure rests on, as text: "10 tail paths, 2 non-zero", "31 of 1,000 paths with the
 * event", "12 non-zero of 1,000 paths"; empty for an estimate without a count.
 */
export function fmtTail(e: Estimate, what: 'tail' | 'event' | 'nonzero' = 'tail'): string {
  const t = e.tail;
  if (!t) return '';
  if (what === 'event') return `${fmtInt(t.nonZero)} of ${fmtInt(e.n)} paths`;
  if (what === 'nonzero') return `${fmtInt(t.nonZero)} non-zero of ${fmtInt(e.n)} paths`;
  return `${fmtInt(t.paths)} tail path${t.paths === 1 ? '' : 's'}, ${fmtInt(t.nonZero)} non-zero`;
}

/** Whether a figure is marked thin: it rests on fewer paths than the documented minimum, or a limit is open. */
export function isThin(e: Estimate): boolean {
  return !!e.tail?.thin || e.upper === null;
}

/** The thin mark as HTML (empty when the figure is not thin): a flag whose tooltip and text say how many paths would be needed. */
export function thinMarkHtml(e: Estimate): string {
  if (!isThin(e)) return '';
  const need = e.tail?.pathsNeeded;
  const why = e.note ?? `rests on fewer than ${e.tail?.minimum ?? 10} paths`;
  return ` <span class="thin" title="${escapeHtml(why)}">thin${need ? ` · needs ≥ ${escapeHtml(fmtInt(need))} paths` : ''}</span>`;
}

/** An estimate with its interval as HTML: `value <span class="ci">[lower, upper]</span>`, an open limit shown as "open", a thin figure flagged. */
export function fmtEstimateHtml(e: Estimate, f: (x: number) => string): string {
  return `${escapeHtml(f(e.estimate))} <span class="ci">${escapeHtml(fmtInterval(e, f))}</span>${thinMarkHtml(e)}`;
}

/** An estimate with its interval as text, units on both bounds: "12.3% (95% CI 10.1% to 14.6%)"; an open limit reads "open". */
export function fmtEstimate(e: { estimate: number; lower: number | null; upper: number | null }, f: (x: number) => string, level = '95%'): string {
  return `${f(e.estimate)} (${level} CI ${fmtLimit(e.lower, f)} to ${fmtLimit(e.upper, f)})`;
}

/** The time unit used on time axes for a horizon of `seconds`: minutes up to 3 h, hours up to 3 days, else days. */
export function timeUnitFor(seconds: number): { unit: 'minutes' | 'hours' | 'days'; secondsPerUnit: number } {
  if (seconds <= 3 * 3600) return { unit: 'minutes', secondsPerUnit: 60 };
  if (seconds <= 3 * 86400) return { unit: 'hours', secondsPerUnit: 3600 };
  return { unit: 'days', secondsPerUnit: 86400 };
}
