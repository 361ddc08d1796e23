/**
 * A scripted stress path: GBM noise outside a scripted window; inside it, one to three legs, each a
 * discrete Brownian bridge in log price pinned to its target level:
 *
 *   leg 1      steps (a, a + D₁]:           from x_a to X₁ = x_a + ln(1 − d₁)
 *   recovery   the next R steps (optional):  to X_R = x_a + ln(1 − d₁(1 − ρ)) (a share ρ of the price lost is regained)
 *   leg 2      the next D₂ steps (optional): to X₂ = X_R + ln(1 − d₂)
 *
 * where a = startStep and x_a is the log price after step a (random: GBM noise before the window).
 * A bridge step with n steps left to the target X (this one included) from level x is
 *
 *   r = (X − x)/n + σ√Δt · √((n − 1)/n) · z,
 *
 * the exact conditional law of a Gaussian random walk pinned at X after n steps, so the level after
 * the leg's last step is X on every path (up to floating-point rounding), and k steps into a leg of D
 * steps the log level has mean x₀ + (k/D)(X − x₀) and variance σ²Δt · k(D − k)/D.
 * Outside the window: r = (μ − σ²/2)Δt + σ√Δt · z. All randomness is the shock z.
 */
import type { MarketPriceModel } from './models.js';

export interface ScriptedDrawdownConfig {
  driftAnnual: number;
  volatilityAnnual: number;
  startStep: number;
  drawdownFraction: number;
  durationSteps: number;
  recoveryFraction: number;
  recoverySteps: number;
  secondDrawdownFraction?: number;
  secondDurationSteps?: number;
}

interface Leg {
  /** The leg covers steps (from, to]. */
  from: number;
  to: number;
  /** Target log level, given the log level at the start of the window and at the start of the leg. */
  target: (windowStart: number, legStart: number) => number;
}

/** The window's legs, in order (legs of zero steps left out). */
export function scriptedLegs(cfg: ScriptedDrawdownConfig): Leg[] {
  const legs: Leg[] = [];
  let at = cfg.startStep;
  const d1 = cfg.drawdownFraction;
  legs.push({ from: at, to: (at += cfg.durationSteps), target: (w) => w + Math.log1p(-d1) });
  if (cfg.recoverySteps > 0) {
    const rho = cfg.recoveryFraction;
    legs.push({ from: at, to: (at += cfg.recoverySteps), target: (w) => w + Math.log1p(-d1 * (1 - rho)) });
  }
  if (cfg.secondDrawdownFraction !== undefined && cfg.secondDurationSteps !== undefined) {
    const d2 = cfg.secondDrawdownFraction;
    legs.push({ from: at, to: (at += cfg.secondDurationSteps), target: (_w, l) => l + Math.log1p(-d2) });
  }
  return legs;
}

/**
 * The price's largest fall from its level at the start of the window to a leg end, if the noise
 * were zero: 1 − min over leg ends of P_end / P_start. For one leg d₁; for two legs with a
 * recovery ρ: 1 − (1 − d₁(1 − ρ))(1 − d₂) (when that is below 1 − d₁).
 */
export function scriptedTargetDrawdown(cfg: ScriptedDrawdownConfig): number {
  let minLog = 0;
  let legStart = 0;
  for (const leg of scriptedLegs(cfg)) {
    legStart = leg.target(0, legStart);
    minLog = Math.min(minLog, legStart);
  }
  return -Math.expm1(minLog);
}

export function scriptedDrawdown(cfg: ScriptedDrawdownConfig, dtYears: number): MarketPriceModel {
  const sd = cfg.volatilityAnnual * Math.sqrt(dtYears);
  const mu = (cfg.driftAnnual - 0.5 * cfg.volatilityAnnual ** 2) * dtYears;
  const legs = scriptedLegs(cfg);
  let step = 0; // steps done
  let x = 0; // log level relative to the start
  let li = 0; // next or current leg
  let windowStart = 0;
  let target = 0;
  return {
    kind: 'scripted-drawdown',
    nextLogReturn(z: number): number {
      step++;
      let r: number;
      const leg = li < legs.length ? legs[li] : undefined;
      if (leg && step > leg.from && step <= leg.to) {
        if (step === leg.from + 1) {
          if (li === 0) windowStart = x;
          target = leg.target(windowStart, x);
        }
        const n = leg.to - step + 1;
        r = n === 1 ? target - x : (target - x) / n + sd * Math.sqrt((n - 1) / n) * z;
        if (step === leg.to) li++;
      } else {
        r = mu + sd * z;
      }
      x += r;
      return r;
    },
  };
}
