/**
 * `run --precision h`: the target set on the scenario (sampling.precision, budgets kept from the file), and
 * the one line printed on stderr after each batch.
 */
import type { Scenario } from '../scenario/schema.js';
import type { PrecisionStage } from '../api/run.js';
import type { PrecisionCheck } from '../stats/precision.js';
import { fmtInt } from '../report/format.js';

/** The scenario with `sampling.precision.relativeHalfWidth = h` (its budgets, if the file gives them, kept; else the defaults). */
export function withPrecisionTarget(sc: Scenario, h: number): Scenario {
  return { ...sc, sampling: { ...sc.sampling, precision: { ...(sc.sampling.precision ?? {}), relativeHalfWidth: h } as NonNullable<Scenario['sampling']['precision']> } };
}

const pct = (x: number) => `±${Number((100 * x).toPrecision(3))}%`;

/** "precision: 1,000 paths (1,000 run, 27.1 s): ES 99% thin, mean bad debt ±34% — target ±10%, next about 6,100 paths" */
export function precisionStageLine(stage: PrecisionStage, check: PrecisionCheck, target: number): string {
  const head = `precision: ${fmtInt(stage.paths)} paths (${fmtInt(stage.simulatedPaths)} run, ${(stage.elapsedMs / 1000).toFixed(1)} s)`;
  if (check.met) return `${head}: every headline figure within ${pct(target)} — done`;
  const open = check.figures.filter((f) => f.status === 'thin' || f.status === 'wide');
  const what = open.map((f) => `${f.label} ${f.status === 'thin' || f.relativeHalfWidth === null ? 'thin' : pct(f.relativeHalfWidth)}`).join(', ');
  return `${head}: ${what} — target ${pct(target)}; the figures project about ${fmtInt(check.pathsNeeded ?? stage.paths)} paths`;
}
