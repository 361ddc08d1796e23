/**
 * How the page fits a chart to its card, on the spec alone (no DOM, so tested in Node:
 * test/report/browser-fit.test.ts): which charts can follow their container's width, the designed
 * width of a row of panels, narrowing every panel by one factor, and wrapping titles to a width.
 */

/** The parts of a vega-lite spec that the page's fitting reads or rewrites; the rest passes through. */
export interface SpecNode {
  title?: string | TitleNode;
  width?: number | string;
  height?: unknown;
  autosize?: unknown;
  hconcat?: SpecNode[];
  vconcat?: SpecNode[];
  concat?: SpecNode[];
  layer?: SpecNode[];
  spec?: SpecNode;
  facet?: unknown;
  repeat?: unknown;
  [key: string]: unknown;
}

/** A chart title: text and subtitle are a string, lines, or an expression (left as it is). */
export interface TitleNode {
  text?: unknown;
  subtitle?: unknown;
  fontSize?: number;
  [key: string]: unknown;
}

/** Charts whose width cannot follow the container: concatenated or faceted panels, discrete (step) heights. */
export function isConcat(s: SpecNode): boolean {
  return !!(s.hconcat || s.vconcat || s.concat || s.facet || s.repeat) || (s.height !== undefined && typeof s.height !== 'number');
}

/** Splits text into lines of at most n characters, at spaces. */
export function wrap(text: string, n: number): string[] {
  const out: string[] = [];
  let line = '';
  for (const w of String(text).split(' ')) {
    if (line && (line + ' ' + w).length > n) {
      out.push(line);
      line = w;
    } else line = line ? line + ' ' + w : w;
  }
  if (line) out.push(line);
  return out;
}

/** A title's text or subtitle as lines of at most n characters; an expression or signal stays as it is. */
function lines(v: unknown, n: number): unknown {
  if (typeof v !== 'string' && !Array.isArray(v)) return v;
  return ([] as unknown[]).concat(v).reduce<unknown[]>((a, x) => a.concat(typeof x === 'string' ? wrap(x, n) : [x]), []);
}

/** Wraps a chart's title and subtitle to the width they have (about 0.56 em and 6.3 px a character); a panel's to its own width. */
export function wrapTitles(s: SpecNode, px: number): void {
  let t = s.title;
  if (typeof t === 'string') t = s.title = { text: t };
  const title = t as TitleNode | undefined;
  if (title && title.text) title.text = lines(title.text, Math.max(16, Math.floor(px / ((title.fontSize || 14) * 0.56))));
  if (title && title.subtitle) title.subtitle = lines(title.subtitle, Math.max(20, Math.floor(px / 6.3)));
  for (const k of ['hconcat', 'vconcat', 'concat'] as const) {
    const panels = s[k];
    if (panels) for (const c of panels) wrapTitles(c, typeof c.width === 'number' ? c.width + 40 : px);
  }
}

export function copy<T>(x: T): T {
  return JSON.parse(JSON.stringify(x)) as T;
}

/** Designed plotting width of a row of panels: hconcat adds, vconcat takes the widest. */
export function rowWidth(s: SpecNode): number {
  if (s.facet || s.repeat) return rowWidth(s.spec || {});
  if (s.hconcat) return s.hconcat.reduce((a, c) => a + rowWidth(c), 0);
  const stack = s.vconcat || s.concat;
  if (stack) return stack.reduce((a, c) => Math.max(a, rowWidth(c)), 0);
  return typeof s.width === 'number' ? s.width : 0;
}

/** Narrows every numeric width in a spec (panels, layers, a facet's inner spec) by f, to at least 90 px. */
export function scaleWidths(s: unknown, f: number): void {
  if (Array.isArray(s)) {
    for (const x of s) scaleWidths(x, f);
    return;
  }
  if (!s || typeof s !== 'object') return;
  const node = s as SpecNode;
  if (typeof node.width === 'number') node.width = Math.max(90, Math.floor(node.width * f));
  for (const k of ['hconcat', 'vconcat', 'concat', 'layer', 'spec'] as const) if (node[k]) scaleWidths(node[k], f);
}
