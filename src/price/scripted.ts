/**
 * A scripted stress path: GBM noise outside a scripted window; inside it, a list of legs, each a discrete
 * Brownian bridge in log price pinned to its target level. A script is either
 *
 *   `legs`: any number of legs, leg k moving the price by a simple return m_k over D_k steps from where
 *           leg k − 1 ended (X_k = X_{k−1} + ln(1 + m_k), X_0 = x_a), each with its own noise σ_k
 *           (default: the model's) — a slow slide, a fast fall, a wick, a rebound, a plateau (m = 0);
 *
 * or the classic one to three legs:
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

export interface ScriptedLegConfig {
  /** Simple return from the leg's start level to its end level (> −1). */
  move: number;
  durationSteps: number;
  /** The leg's noise; default: the model's volatilityAnnual. */
  volatilityAnnual?: number;
}

export interface ScriptedDrawdownConfig {
  driftAnnual: number;
  volatilityAnnual: number;
  startStep: number;
  legs?: ScriptedLegConfig[];
  drawdownFraction?: number;
  durationSteps?: number;
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
  /** Noise of the leg, annualised (undefined: the model's). */
  volatilityAnnual?: number;
}

/** The window's legs, in order (classic legs of zero steps left out). */
export function scriptedLegs(cfg: ScriptedDrawdownConfig): Leg[] {
  const legs: Leg[] = [];
  let at = cfg.startStep;
  if (cfg.legs) {
    for (const l of cfg.legs) {
      const lm = Math.log1p(l.move);
      legs.push({ from: at, to: (at += l.durationSteps), target: (_w, s) => s + lm, volatilityAnnual: l.volatilityAnnual });
    }
    return legs;
  }
  const d1 = cfg.drawdownFraction ?? 0.3;
  legs.push({ from: at, to: (at += cfg.durationSteps ?? 60), target: (w) => w + Math.log1p(-d1) });
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
 * The log levels of the leg ends relative to the window's start, if the noise were zero: [0, X₁ − x_a, …].
 * Every path passes through exactly these levels (relative to its own x_a) at the legs' last steps.
 */
export function scriptedLegEnds(cfg: ScriptedDrawdownConfig): number[] {
  const ends = [0];
  for (const leg of scriptedLegs(cfg)) ends.push(leg.target(0, ends[ends.length - 1]));
  return ends;
}

/**
 * The largest fall between the script's pinned levels (the window's start and the leg ends), if the noise
 * were zero: 1 − min over i ≤ j of P_j / P_i. Every path's maximum drawdown is at least this (the pinned levels
 * are visited on every path). For the classic legs this is 1 − min over leg ends of P_end / P_start: d₁ for
 * one leg; 1 − (1 − d₁(1 − ρ))(1 − d₂) for two legs with a recovery ρ (when that is below 1 − d₁).
 */
export function scriptedTargetDrawdown(cfg: ScriptedDrawdownConfig): number {
  let peak = 0;
  let worst = 0;
  for (const x of scriptedLegEnds(cfg)) {
    peak = Math.max(peak, x);
    worst = Math.min(worst, x - peak);
  }
  return -Math.expm1(worst);
}

export function scriptedDrawdown(cfg: ScriptedDrawdownConfig, dtYears: number): MarketPriceModel {
  const sd = cfg.volatilityAnnual * Math.sqrt(dtYears);
  const mu = (cfg.driftAnnual - 0.5 * cfg.volatilityAnnual ** 2) * dtYears;
  const legs = scriptedLegs(cfg);
  const legSd = legs.map((l) => (l.volatilityAnnual === undefined ? sd : l.volatilityAnnual * Math.sqrt(dtYears)));
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
          // a leg starts from where the previous one ended: its pinned level (up to rounding)
          target = leg.target(windowStart, x);
        }
        const n = leg.to - step + 1;
        r = n === 1 ? target - x : (target - x) / n + legSd[li] * Math.sqrt((n - 1) / n) * z;
        if (step === leg.to) li++;
      } else {
        r = mu + sd * z;
      }
      x += r;
      return r;
    },
  };
}
