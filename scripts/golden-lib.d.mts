/** Types of scripts/golden-lib.mjs (golden files: format and comparison; see its module comment). */
export interface Difference {
  /** Key path, e.g. `paths[0].summary.badDebtUsd`; `x.length` for an array whose length changed. */
  path: string;
  /** Value in the old version (`undefined`: the key is new). */
  old: unknown;
  /** Value in the new version (`undefined`: the key was removed). */
  new: unknown;
}
export function goldenJson(value: unknown): string;
export function differences(oldValue: unknown, newValue: unknown, limit?: number): Difference[];
export function relativeChange(d: Difference): number | null;
export function describeDifference(d: Difference): string;
export function mechanismCaseFile(k: number): string;
