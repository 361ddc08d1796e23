/**
 * Random variates built on an injectable uniform source (d3-random style): each function takes the
 * `Rng` to draw from, so one seeded stream flows through composite distributions.
 * Parameters are validated up front with a `RangeError`.
 */
import type { Rng } from './streams.js';

/**
 * Standard normal sampler (Marsaglia polar method). Keeps the spare variate, so it costs one
 * log and one sqrt per two draws. O(1) expected.
 */
export function normalSampler(rng: Rng): () => number {
  let spare = 0;
  let hasSpare = false;
  return () => {
    if (hasSpare) {
      hasSpare = false;
      return spare;
    }
    let u: number, v: number, s: number;
    do {
      u = 2 * rng() - 1;
      v = 2 * rng() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const m = Math.sqrt((-2 * Math.log(s)) / s);
    spare = v * m;
    hasSpare = true;
    return u * m;
  };
}

/**
 * Gamma(shape, 1) sampler (Marsaglia–Tsang 2000); shape < 1 uses the boost U^(1/shape).
 * @throws RangeError if shape ≤ 0
 */
export function gammaSampler(rng: Rng, shape: number, normal = normalSampler(rng)): () => number {
  if (!(shape > 0)) throw new RangeError(`gamma shape must be > 0, got ${shape}`);
  const boost = shape < 1;
  const a = boost ? shape + 1 : shape;
  const d = a - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  return () => {
    let x: number, v: number, u: number;
    for (;;) {
      do {
        x = normal();
        v = 1 + c * x;
      } while (v <= 0);
      v = v * v * v;
      u = rng();
      if (u < 1 - 0.0331 * x * x * x * x) break;
      if (Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) break;
    }
    const g = d * v;
    return boost ? g * Math.pow(rng() || Number.MIN_VALUE, 1 / shape) : g;
  };
}

/**
 * Student-t innovation scaled to unit variance, from a standard normal shock `z` given by the caller:
 * u = z / √(χ²_ν / ν) · √((ν−2)/ν), χ²_ν = 2·Gamma(ν/2) drawn from `rng` (the gamma sampler's own
 * normals from `normal`, by default a polar sampler of its own on `rng`). For a model whose z comes
 * from elsewhere (GARCH: the correlated price shock; src/price/models.ts); a self-contained t_ν
 * sampler is `(z => t(z))(normal())` with the same `normal`. One gamma draw per call. Requires ν > 2.
 * @throws RangeError if ν ≤ 2
 */
export function standardizedStudentTFromNormal(rng: Rng, dof: number, normal: () => number = normalSampler(rng)): (z: number) => number {
  if (!(dof > 2)) throw new RangeError(`Student-t degrees of freedom must be > 2, got ${dof}`);
  const gamma = gammaSampler(rng, dof / 2, normal);
  const scale = Math.sqrt((dof - 2) / dof);
  return (z) => (z / Math.sqrt((2 * gamma()) / dof)) * scale;
}

/**
 * Poisson(λ) draw. Knuth's multiplication method for λ < 30, else a normal approximation rounded
 * and floored at 0 (adequate for jump counts per step, which are small).
 * @throws RangeError if λ < 0
 */
export function poisson(rng: Rng, lambda: number, normal?: () => number): number {
  if (!(lambda >= 0)) throw new RangeError(`Poisson mean must be ≥ 0, got ${lambda}`);
  if (lambda === 0) return 0;
  if (lambda < 30) {
    const l = Math.exp(-lambda);
    let k = 0;
    let p = rng();
    while (p > l) {
      k++;
      p *= rng();
    }
    return k;
  }
  const z = normal ? normal() : normalSampler(rng)();
  return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * z));
}

/** Lognormal draw with the given median and log-standard deviation. */
export function lognormal(normal: () => number, median: number, sigmaLog: number): number {
  return median * Math.exp(sigmaLog * normal());
}

/**
 * Pareto(x_m, α) draw by inversion: x_m · U^(−1/α).
 * @throws RangeError if x_m ≤ 0 or α ≤ 0
 */
export function pareto(rng: Rng, xm: number, alpha: number): number {
  if (!(xm > 0) || !(alpha > 0)) throw new RangeError(`Pareto needs x_m > 0 and alpha > 0, got ${xm}, ${alpha}`);
  return xm * Math.pow(1 - rng(), -1 / alpha);
}
