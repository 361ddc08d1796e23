/**
 * Axes whose tick labels are all different: a fixed-precision number format ("0.1%", ",d") prints two
 * ticks closer than its last digit as the same label ("0%, 0%, 0.1%, 0.1%"). `distinctTicks(vegaSpec)`
 * gives every such axis of a compiled Vega spec a `tickMinStep` of one unit of its last digit, so vega
 * never places ticks closer than the format can tell apart (Vega's own tickMinStep: the tick count is
 * lowered until the step is at least that). It works on the compiled Vega spec because vega-lite 5.23
 * drops an axis's `tickMinStep`; renderSvg applies it after compiling and the page through vega-embed's
 * `patch`. No imports: the page bundle (src/report/browser/page.ts) carries it.
 *
 * Formats it reads (d3-format): `%` (".1~%" → a step of 0.001), `f` (",.2~f" → 0.01), `d` (1). Others
 * (`r`, `s`, `e`, custom format types such as `usd`) keep their own ticks; so do axes with explicit
 * values or a step of their own, and axes of log, symlog, pow, sqrt, time and discrete scales.
 */

/** The smallest difference a d3 number format shows, or null for a format without a fixed last digit. */
export function formatResolution(format: string): number | null {
  const m = /^(?:.?[<>=^])?[+\-( ]?[$#]?0?\d*,?(?:\.(\d+))?~?([a-z%])?$/i.exec(format);
  if (!m) return null;
  const digits = m[1] === undefined ? null : Number(m[1]);
  switch (m[2]) {
    case '%':
      return digits === null ? null : 10 ** -(digits + 2);
    case 'f':
      return digits === null ? null : 10 ** -digits;
    case 'd':
      return 1;
    default:
      return null;
  }
}

type Json = Record<string, unknown>;

const isObj = (x: unknown): x is Json => !!x && typeof x === 'object' && !Array.isArray(x);

/** Scale types on which a minimum step in domain units means what it says. */
const LINEAR = new Set([undefined, 'linear']);

function collectScales(node: unknown, out: Map<string, unknown>): void {
  if (Array.isArray(node)) {
    for (const x of node) collectScales(x, out);
    return;
  }
  if (!isObj(node)) return;
  if (Array.isArray(node.scales)) for (const s of node.scales) if (isObj(s) && typeof s.name === 'string') out.set(s.name, s.type);
  if (node.marks) collectScales(node.marks, out);
}

function fixAxes(node: unknown, scaleTypes: Map<string, unknown>): void {
  if (Array.isArray(node)) {
    for (const x of node) fixAxes(x, scaleTypes);
    return;
  }
  if (!isObj(node)) return;
  if (Array.isArray(node.axes)) {
    for (const axis of node.axes) {
      if (!isObj(axis) || typeof axis.format !== 'string' || axis.tickMinStep !== undefined || axis.values !== undefined) continue;
      if (axis.formatType !== undefined && axis.formatType !== 'number') continue;
      if (typeof axis.scale !== 'string' || !scaleTypes.has(axis.scale) || !LINEAR.has(scaleTypes.get(axis.scale) as string | undefined)) continue;
      const step = formatResolution(axis.format);
      if (step !== null) axis.tickMinStep = step;
    }
  }
  if (node.marks) fixAxes(node.marks, scaleTypes);
}

/**
 * Gives every fixed-precision axis on a linear scale of a compiled Vega spec a tick step its format can
 * show; changes the spec in place and returns it (vega-embed's `patch` signature).
 */
export function distinctTicks<T>(vegaSpec: T): T {
  const scaleTypes = new Map<string, unknown>();
  collectScales(vegaSpec, scaleTypes);
  fixAxes(vegaSpec, scaleTypes);
  return vegaSpec;
}
