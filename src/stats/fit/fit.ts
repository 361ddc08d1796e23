/**
 * Maximum-likelihood fitting of a price model to a series of one-step log returns (`marginlab fit`):
 * the estimates, their standard errors from the observed information (the inverse of the numerical
 * Hessian of the negative log-likelihood at the optimum), the log-likelihood, AIC and BIC, the normal
 * pseudo-residuals z_t = Φ⁻¹(F_t(r_t)) with their QQ data, and the scenario `priceModel` block.
 *
 * The optimiser works in unconstrained coordinates (logs and logits of the positive and bounded
 * parameters); the Hessian is taken in the parameters as the scenario names them. Estimators and
 * their limits: docs/price-models.md#fitting.
 */
import { UserError } from '../../errors.js';
import { normalCdf, normalQuantile } from '../../math/normal.js';
import { PriceModelSchema } from '../../scenario/schema.js';
import { hessian, invert, minimize } from './optimize.js';
import { garchLogLik, gbmLogLik, mertonLogLik, regimeLogLik } from './likelihoods.js';

export const FIT_MODELS = ['gbm', 'merton', 'garch', 'regime-switching'] as const;
export type FitModel = (typeof FIT_MODELS)[number];

export interface FittedParameter {
  name: string;
  estimate: number;
  /** From the observed information; null when the Hessian is not positive definite there (a flat likelihood), or the estimate is on a bound of the scenario's range (`boundOf`), where the observed information does not measure it. */
  standardError: number | null;
}

export interface FitResult {
  model: FitModel;
  stepSeconds: number;
  /** Number of log returns fitted. */
  observations: number;
  logLikelihood: number;
  /** 2k − 2 ln L, k = parameters estimated. */
  aic: number;
  /** k ln n − 2 ln L. */
  bic: number;
  parameters: FittedParameter[];
  /** The scenario's `market.priceModel` block (validates against the scenario schema). */
  priceModel: Record<string, unknown>;
  /** Normal pseudo-residuals z_t = Φ⁻¹(F_t(r_t)): N(0, 1) and independent when the model is right. */
  residuals: {
    mean: number;
    standardDeviation: number;
    skewness: number;
    excessKurtosis: number;
    /** Kolmogorov–Smirnov distance of the z_t from N(0, 1). */
    ksDistance: number;
    /** QQ data: standard normal quantiles and the z_t's empirical quantiles at probabilities (k − ½)/m. */
    qq: { theoretical: number[]; empirical: number[] };
  };
  /** What the estimates do not support, in words (`boundOf`, `modelWarnings`, the Hessian); empty when nothing is wrong. */
  warnings: string[];
}

interface Spec {
  names: string[];
  /** Unconstrained → natural. */
  natural(x: number[]): number[];
  /** Natural → unconstrained. */
  internal(t: number[]): number[];
  /** Inside the schema's ranges. */
  valid(t: number[]): boolean;
  /** Largest central-difference step per parameter that stays valid around t. */
  room(t: number[]): number[];
  logLik(t: number[], cdf?: Float64Array): number;
  start: number[];
  block(t: number[]): Record<string, unknown>;
}

const logit = (p: number) => Math.log(p / (1 - p));
const logistic = (x: number) => 1 / (1 + Math.exp(-x));
const MAX_DRIFT = 50;
const MAX_VOL = 20;

function moments(r: Float64Array) {
  let m = 0;
  for (const x of r) m += x;
  m /= r.length;
  let v = 0;
  for (const x of r) v += (x - m) ** 2;
  v /= r.length;
  return { mean: m, variance: v };
}

/**
 * A robust start for the optimiser: the upper middle value as the median and 1.4826 × the median absolute
 * deviation. Not simple-statistics' `median`/`medianAbsoluteDeviation` (which average the two middle
 * values): a different start moves the fitted estimates in their last digits.
 */
function robustSd(r: Float64Array): { median: number; sd: number } {
  const s = Float64Array.from(r).sort();
  const med = s[s.length >> 1];
  const dev = Float64Array.from(r, (x) => Math.abs(x - med)).sort();
  return { median: med, sd: 1.4826 * dev[dev.length >> 1] };
}

function specFor(model: FitModel, r: Float64Array, dt: number): Spec {
  const { mean, variance } = moments(r);
  const volHat = Math.sqrt(variance / dt);
  const driftOk = (x: number) => Math.abs(x) <= MAX_DRIFT;
  const volOk = (x: number) => x > 0 && x <= MAX_VOL;
  const toBound = (x: number, lo: number, hi: number) => 0.45 * Math.min(x - lo, hi - x);
  switch (model) {
    case 'gbm':
      return {
        names: ['driftAnnual', 'volatilityAnnual'],
        natural: ([mu, ls]) => [mu, Math.exp(ls)],
        internal: ([mu, s]) => [mu, Math.log(s)],
        valid: ([mu, s]) => driftOk(mu) && volOk(s),
        room: ([mu, s]) => [toBound(mu, -MAX_DRIFT, MAX_DRIFT), toBound(s, 0, MAX_VOL)],
        logLik: ([mu, s], cdf) => gbmLogLik({ driftAnnual: mu, volatilityAnnual: s }, r, dt, cdf),
        start: [mean / dt + 0.5 * volHat ** 2, volHat],
        block: ([mu, s]) => ({ kind: 'gbm', driftAnnual: mu, volatilityAnnual: s }),
      };
    case 'merton': {
      const { median, sd } = robustSd(r);
      const big = [...r].filter((x) => Math.abs(x - median) > 4 * sd);
      const years = r.length * dt;
      const jm = big.length > 1 ? big.reduce((a, b) => a + b, 0) / big.length : -3 * sd;
      const js = big.length > 2 ? Math.sqrt(big.reduce((a, b) => a + (b - jm) ** 2, 0) / big.length) : 2 * sd;
      return {
        names: ['driftAnnual', 'volatilityAnnual', 'jumpsPerYear', 'jumpMeanLog', 'jumpStdLog'],
        natural: ([mu, ls, ll, m, ld]) => [mu, Math.exp(ls), Math.exp(ll), m, Math.exp(ld)],
        internal: ([mu, s, l, m, d]) => [mu, Math.log(s), Math.log(l), m, Math.log(d)],
        valid: ([mu, s, l, m, d]) => driftOk(mu) && volOk(s) && l > 0 && l <= 1e6 && Math.abs(m) <= 5 && d > 0 && d <= 5,
        room: ([mu, s, l, m, d]) => [toBound(mu, -MAX_DRIFT, MAX_DRIFT), toBound(s, 0, MAX_VOL), toBound(l, 0, 1e6), toBound(m, -5, 5), toBound(d, 0, 5)],
        logLik: ([mu, s, l, m, d], cdf) => mertonLogLik({ driftAnnual: mu, volatilityAnnual: s, jumpsPerYear: l, jumpMeanLog: m, jumpStdLog: d }, r, dt, cdf),
        start: [mean / dt, Math.max(sd / Math.sqrt(dt), 1e-6), Math.max(big.length, 1) / years, jm, Math.max(js, sd)],
        block: ([mu, s, l, m, d]) => ({ kind: 'merton', driftAnnual: mu, volatilityAnnual: s, jumpsPerYear: l, jumpMeanLog: m, jumpStdLog: d }),
      };
    }
    case 'garch':
      return {
        // persistence α + β and the share α/(α + β) are optimised as logits, ν − 2 as a log
        names: ['driftAnnual', 'longRunVolatilityAnnual', 'alpha', 'beta', 'degreesOfFreedom'],
        natural: ([mu, ls, lp, la, ln]) => {
          const p = logistic(lp);
          const a = logistic(la);
          return [mu, Math.exp(ls), p * a, p * (1 - a), 2 + Math.exp(ln)];
        },
        internal: ([mu, s, a, b, nu]) => [mu, Math.log(s), logit(a + b), logit(a / (a + b)), Math.log(nu - 2)],
        valid: ([mu, s, a, b, nu]) => driftOk(mu) && volOk(s) && a >= 0 && b >= 0 && a + b < 1 && nu > 2 && nu <= 1000,
        room: ([mu, s, a, b, nu]) => {
          const gap = 0.2 * (1 - a - b);
          return [toBound(mu, -MAX_DRIFT, MAX_DRIFT), toBound(s, 0, MAX_VOL), Math.min(toBound(a, 0, 1), gap), Math.min(toBound(b, 0, 1), gap), toBound(nu, 2, 1000)];
        },
        logLik: ([mu, s, a, b, nu], cdf) => garchLogLik({ driftAnnual: mu, longRunVolatilityAnnual: s, alpha: a, beta: b, degreesOfFreedom: nu }, r, dt, cdf),
        start: [mean / dt, volHat, 0.05, 0.9, 6],
        block: ([mu, s, a, b, nu]) => ({ kind: 'garch', driftAnnual: mu, longRunVolatilityAnnual: s, alpha: a, beta: b, degreesOfFreedom: nu }),
      };
    case 'regime-switching':
      return {
        // the stress state's volatility is the calm one's times (1 + e^x), so the states never swap labels
        names: ['calm.driftAnnual', 'calm.volatilityAnnual', 'stress.driftAnnual', 'stress.volatilityAnnual', 'calm.stayProbabilityPerStep', 'stress.stayProbabilityPerStep'],
        natural: ([m0, ls0, m1, lk, l00, l11]) => {
          const s0 = Math.exp(ls0);
          return [m0, s0, m1, s0 * (1 + Math.exp(lk)), logistic(l00), logistic(l11)];
        },
        internal: ([m0, s0, m1, s1, p00, p11]) => [m0, Math.log(s0), m1, Math.log(s1 / s0 - 1), logit(p00), logit(p11)],
        valid: ([m0, s0, m1, s1, p00, p11]) => driftOk(m0) && driftOk(m1) && volOk(s0) && volOk(s1) && s1 > s0 && p00 > 0 && p00 < 1 && p11 > 0 && p11 < 1,
        room: ([m0, s0, m1, s1, p00, p11]) => [
          toBound(m0, -MAX_DRIFT, MAX_DRIFT),
          Math.min(toBound(s0, 0, MAX_VOL), 0.2 * (s1 - s0)),
          toBound(m1, -MAX_DRIFT, MAX_DRIFT),
          Math.min(toBound(s1, 0, MAX_VOL), 0.2 * (s1 - s0)),
          toBound(p00, 0, 1),
          toBound(p11, 0, 1),
        ],
        logLik: ([m0, s0, m1, s1, p00, p11], cdf) => regimeLogLik({ drift: [m0, m1], volatility: [s0, s1], stay: [p00, p11] }, r, dt, cdf),
        start: [mean / dt, 0.7 * volHat, mean / dt, 1.8 * volHat, 0.99, 0.95],
        block: ([m0, s0, m1, s1, p00, p11]) => ({
          kind: 'regime-switching',
          states: [
            { name: 'calm', driftAnnual: m0, volatilityAnnual: s0, expectedDurationSteps: 1 / (1 - p00) },
            { name: 'stress', driftAnnual: m1, volatilityAnnual: s1, expectedDurationSteps: 1 / (1 - p11) },
          ],
          initialState: 'stationary',
        }),
      };
  }
}

/** Fewest returns `fit` accepts: enough for the likelihood's curvature to mean something. */
const MIN_FIT_RETURNS = 100;

const sig = (x: number, digits = 6) => Number(x.toPrecision(digits));

function roundBlock(v: unknown): unknown {
  if (typeof v === 'number') return sig(v);
  if (Array.isArray(v)) return v.map(roundBlock);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, roundBlock(x)]));
  return v;
}

/**
 * Fits `model` to the one-step log returns `r` on a grid of `stepSeconds`.
 * Cost: a few thousand likelihood evaluations of O(n) each (regime switching and Merton the slowest).
 * @throws UserError when the series is too short or has no variation
 */
export function fitPriceModel(r: Float64Array, model: FitModel, stepSeconds: number): FitResult {
  const n = r.length;
  if (n < MIN_FIT_RETURNS) throw new UserError(`the price series gives ${n} returns on a ${stepSeconds}-second grid — fitting needs at least ${MIN_FIT_RETURNS} (use a longer series or a shorter --step-seconds)`);
  const dt = stepSeconds / (365 * 24 * 3600);
  const { variance } = moments(r);
  if (!(variance > 0)) throw new UserError(`the price series does not move on a ${stepSeconds}-second grid (every return is 0) — nothing to fit`);
  const spec = specFor(model, r, dt);
  // a start outside the schema's ranges (a sample drift beyond ±50 a year on a crash day) would leave the
  // simplex on +∞ everywhere: start such a drift just inside its bound
  spec.start = spec.start.map((v, i) => (spec.names[i].endsWith('driftAnnual') ? Math.max(-0.9 * MAX_DRIFT, Math.min(0.9 * MAX_DRIFT, v)) : v));
  const nll = (t: number[]) => (spec.valid(t) ? -spec.logLik(t) : Infinity);
  const x0 = spec.internal(spec.start);
  // first-simplex scale: the drift by its rough standard error, the other coordinates by 0.3
  const driftScale = Math.sqrt(variance / dt) / Math.sqrt(n * dt);
  const scale = spec.names.map((nm) => (nm.endsWith('driftAnnual') ? driftScale : nm === 'jumpMeanLog' ? Math.max(Math.abs(spec.start[3]) * 0.3, 1e-3) : 0.3));
  const best = minimize((x) => nll(spec.natural(x)), x0, scale);
  const theta = spec.natural(best.x);
  const warnings: string[] = [];

  // observed information in the natural parameters: a first pass with small steps, then steps of
  // 1/20 of the first pass's standard errors (where the curvature is measured best)
  const room = spec.room(theta);
  const se1 = standardErrors(nll, theta, theta.map((t, i) => Math.min(1e-4 * Math.max(Math.abs(t), 1e-4), room[i])));
  const h2 = theta.map((t, i) => Math.min(se1.se[i] !== null ? 0.05 * se1.se[i]! : 1e-4 * Math.max(Math.abs(t), 1e-4), room[i]));
  const { se } = standardErrors(nll, theta, h2);
  if (se.some((s) => s === null)) warnings.push('the Hessian is not positive definite at the estimate (a parameter on a boundary, or a flat likelihood): some standard errors are missing');
  // an estimate on a bound of the scenario's range: the likelihood wants a value outside it, and the
  // observed information (a curvature inside the range) does not measure its uncertainty
  const onBound = spec.names.map((name, i) => boundOf(name, theta[i]));
  onBound.forEach((b, i) => {
    if (b === undefined) return;
    warnings.push(`${spec.names[i]} = ${sig(theta[i], 4)} is on its bound (${b}): the likelihood wants a value outside the range the scenario allows, so the estimate is the bound, not a fit, and its standard error is not reported`);
    se[i] = null;
  });

  const parameters: FittedParameter[] = spec.names.map((name, i) => ({ name, estimate: theta[i], standardError: se[i] }));
  if (model === 'regime-switching') {
    // expectedDurationSteps = 1/(1 − p): delta method, se = se_p / (1 − p)²
    for (const [k, label] of [[4, 'calm'], [5, 'stress']] as const) {
      const p = theta[k];
      parameters.push({ name: `${label}.expectedDurationSteps`, estimate: 1 / (1 - p), standardError: se[k] === null ? null : se[k]! / (1 - p) ** 2 });
    }
  }
  warnings.push(...modelWarnings(model, theta, n, dt));

  const cdf = new Float64Array(n);
  const ll = spec.logLik(theta, cdf);
  const k = spec.names.length;
  if (model === 'regime-switching') {
    const w = regimesVersusOne(r, ll, k);
    if (w) warnings.push(w);
  }
  let priceModel = roundBlock(spec.block(theta)) as Record<string, unknown>;
  if (!PriceModelSchema.safeParse(priceModel).success) priceModel = spec.block(theta); // rounding crossed a bound
  return {
    model,
    stepSeconds,
    observations: n,
    logLikelihood: ll,
    aic: 2 * k - 2 * ll,
    bic: k * Math.log(n) - 2 * ll,
    parameters,
    priceModel,
    residuals: pseudoResiduals(cdf),
    warnings,
  };
}

/**
 * Whether two regimes explain the returns better than one constant volatility: the BIC of the fitted
 * regime-switching model (k parameters, log-likelihood ll) against a normal GBM's at its closed-form
 * maximum (sample mean and variance, 2 parameters). Regimes that do not pay for their extra parameters
 * are fitting noise — on a GBM series the fit finds states lasting a few steps. A warning naming the
 * ΔBIC, or undefined. O(n).
 */
function regimesVersusOne(r: Float64Array, ll: number, k: number): string | undefined {
  const n = r.length;
  let mean = 0;
  for (const x of r) mean += x;
  mean /= n;
  let v = 0;
  for (const x of r) v += (x - mean) ** 2;
  v /= n;
  const llOne = -0.5 * n * (Math.log(2 * Math.PI * v) + 1);
  const dBic = k * Math.log(n) - 2 * ll - (2 * Math.log(n) - 2 * llOne);
  if (!(dBic >= 0)) return undefined;
  return `two regimes do not beat one constant volatility (a GBM) on BIC (ΔBIC = +${sig(dBic, 3)}): the states fit noise, not volatility regimes — fit gbm, or garch for clustered volatility`;
}

/** The bound an estimate sits on (`|θ − b| ≤ 10⁻³·|b|`, or a probability within 10⁻⁶ of 0 or 1), described, or undefined. */
function boundOf(name: string, x: number): string | undefined {
  const near = (b: number) => Math.abs(x - b) <= 1e-3 * Math.abs(b);
  if (name.endsWith('driftAnnual') && near(Math.sign(x) * MAX_DRIFT)) return `|drift| ≤ ${MAX_DRIFT} a year`;
  if (name.endsWith('olatilityAnnual') && near(MAX_VOL)) return `volatility ≤ ${MAX_VOL} a year`;
  if (name === 'jumpsPerYear' && near(1e6)) return 'jumpsPerYear ≤ 1e6';
  if (name === 'jumpMeanLog' && near(Math.sign(x) * 5)) return '|jumpMeanLog| ≤ 5';
  if (name === 'jumpStdLog' && near(5)) return 'jumpStdLog ≤ 5';
  if (name === 'degreesOfFreedom' && near(1000)) return 'degreesOfFreedom ≤ 1000: the innovations are normal';
  if (name === 'degreesOfFreedom' && x - 2 < 1e-3) return 'degreesOfFreedom > 2: the variance is barely finite';
  if ((name === 'alpha' || name === 'beta') && x < 1e-6) return `${name} ≥ 0`;
  if (name.endsWith('stayProbabilityPerStep') && (x > 1 - 1e-6 || x < 1e-6)) return 'a probability strictly between 0 and 1';
  return undefined;
}

/**
 * Returns per step a model needs before `fit` trusts its richer structure: GARCH persistence and the
 * mixtures' extra components are poorly determined on a few hundred returns (their standard errors
 * come from a curvature that a short sample does not pin down). Below it `fit` warns; below
 * `MIN_FIT_RETURNS` it refuses.
 */
export const RECOMMENDED_FIT_RETURNS: Record<FitModel, number> = { gbm: MIN_FIT_RETURNS, merton: 1000, garch: 1000, 'regime-switching': 1000 };

/**
 * Warnings on what the estimates mean, beyond the optimiser: degenerate components (Merton jumps with
 * a size sd of ~0, or so frequent they are the everyday noise; regimes that collapse into one), a
 * near-integrated GARCH, and samples too short for the model (overall, in jumps, in regime switches).
 * Each names the figure and the threshold. O(1).
 */
export function modelWarnings(model: FitModel, t: number[], n: number, dt: number): string[] {
  const w: string[] = [];
  const few = RECOMMENDED_FIT_RETURNS[model];
  if (n < few) w.push(`${n} returns are few for a ${model} fit (${few} or more recommended): its extra parameters are poorly determined and the standard errors understate it`);
  if (model === 'merton') {
    const [, s, l, m, d] = t;
    const sdStep = s * Math.sqrt(dt);
    const perStep = l * dt;
    if (d < 1e-3 * Math.max(Math.abs(m), sdStep)) w.push(`jumpStdLog = ${sig(d, 3)} is ~0 (degenerate): every jump has the same size ${sig(m, 3)} — the jump component is not identified`);
    if (perStep > 0.1) w.push(`jumpsPerYear = ${sig(l, 4)} is ${sig(perStep, 3)} jumps a step (degenerate): jumps that frequent are the everyday noise, not rare jumps — the fit uses them for fat tails (consider garch)`);
    if (Math.hypot(m, d) < sdStep) w.push(`the jumps (size ${sig(Math.hypot(m, d), 3)} in log) are smaller than one step's diffusion (${sig(sdStep, 3)}) (degenerate): they do not stand out from it`);
    if (l * n * dt < 10) w.push(`the fit expects ${sig(l * n * dt, 3)} jumps in the sample — fewer than 10 do not determine the jump size and rate`);
  }
  if (model === 'regime-switching') {
    const [, s0, , s1, p00, p11] = t;
    const pi1 = (1 - p00) / (2 - p00 - p11);
    if (s1 / s0 < 1.1) w.push(`the stress volatility is ${sig(s1 / s0, 3)} × the calm one (degenerate): the regimes collapse into one`);
    for (const [label, p] of [['calm', p00], ['stress', p11]] as const) {
      if (p < 0.5) w.push(`${label}.expectedDurationSteps = ${sig(1 / (1 - p), 3)} (degenerate): a state that lasts under 2 steps is a mixture, not a regime`);
    }
    for (const [label, share] of [['calm', 1 - pi1], ['stress', pi1]] as const) {
      if (share * n < 10) w.push(`the ${label} state holds ${sig(share * n, 3)} of the ${n} steps (degenerate): the regime collapses`);
    }
    const switches = n * pi1 * (1 - p11);
    if (switches < 5) w.push(`the fit expects ${sig(switches, 3)} spells of stress in the sample — fewer than 5 do not determine the regimes' durations`);
  }
  if (model === 'garch' && t[2] + t[3] > 0.999) w.push(`alpha + beta = ${sig(t[2] + t[3], 4)} is close to 1 (integrated GARCH): the long-run volatility is poorly determined`);
  return w;
}

function standardErrors(nll: (t: number[]) => number, theta: number[], h: number[]): { se: (number | null)[] } {
  const H = hessian(nll, theta, h);
  const cov = H.every((row) => row.every(Number.isFinite)) ? invert(H) : undefined;
  return { se: theta.map((_, i) => (cov && cov[i][i] > 0 && Number.isFinite(cov[i][i]) ? Math.sqrt(cov[i][i]) : null)) };
}

/** Summary and QQ data of z_t = Φ⁻¹(u_t), u_t clamped to [1e-15, 1 − 1e-15]. O(n log n). */
function pseudoResiduals(u: Float64Array, points = 99): FitResult['residuals'] {
  const n = u.length;
  const z = Float64Array.from(u, (x) => normalQuantile(Math.min(1 - 1e-15, Math.max(1e-15, x)))).sort();
  let m = 0;
  for (const x of z) m += x;
  m /= n;
  let m2 = 0;
  let m3 = 0;
  let m4 = 0;
  for (const x of z) {
    const d = x - m;
    m2 += d * d;
    m3 += d * d * d;
    m4 += d * d * d * d;
  }
  m2 /= n;
  m3 /= n;
  m4 /= n;
  let ks = 0;
  for (let i = 0; i < n; i++) {
    const F = normalCdf(z[i]);
    ks = Math.max(ks, (i + 1) / n - F, F - i / n);
  }
  const mq = Math.min(points, n);
  const theoretical: number[] = [];
  const empirical: number[] = [];
  for (let k = 1; k <= mq; k++) {
    const p = (k - 0.5) / mq;
    theoretical.push(sig(normalQuantile(p), 5));
    empirical.push(sig(z[Math.min(n - 1, Math.floor(p * n))], 5));
  }
  return { mean: m, standardDeviation: Math.sqrt(m2), skewness: m3 / m2 ** 1.5, excessKurtosis: m4 / (m2 * m2) - 3, ksDistance: ks, qq: { theoretical, empirical } };
}
