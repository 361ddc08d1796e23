/**
 * The model against the market's record, figure by figure: one row per figure, the real value, the simulated
 * one, the band the simulated value must fall in, and whether it does. Every validation (calm-day extremes,
 * crisis shapes, liquidation timing) produces rows of this one shape; the validation page and its test read them.
 */

/** How a row's values are shown: a simple return or share (0.1 → 10%), minutes, seconds, dollars or a count. */
export type ValidationUnit = 'pct' | 'share' | 'minutes' | 'seconds' | 'usd' | 'count' | 'ratio';

export interface ValidationRow {
  /** The comparison it belongs to, e.g. "10 Oct 2025 replay" or "calm day: largest moves". */
  readonly group: string;
  /** The figure in words, e.g. "worst 15-minute fall". */
  readonly figure: string;
  /** The record's value, computed from the real data. */
  readonly real: number;
  /** The model's value (a median over paths where the model is random); null when the model cannot produce it. */
  readonly simulated: number | null;
  readonly unit: ValidationUnit;
  /** The band the simulated value must fall in (inclusive), stated up front beside the row. */
  readonly band: { readonly lo: number; readonly hi: number };
  /** simulated within band. */
  readonly pass: boolean;
  /** How the figure was computed, or why it differs (one sentence). */
  readonly note?: string;
}

/** A row with `pass` computed from the band. */
export function validationRow(r: Omit<ValidationRow, 'pass'>): ValidationRow {
  const pass = r.simulated !== null && Number.isFinite(r.simulated) && r.simulated >= r.band.lo && r.simulated <= r.band.hi;
  return { ...r, pass };
}
