/**
 * A price model's nominal (long-run) annualised volatility, used to seed EWMA estimates and as the
 * reference for "volatility spikes" and liquidity withdrawal. Reads the model's own volatility fields;
 * for jump models it includes the jump variance λ(m² + δ²).
 */
export function nominalVolatilityAnnual(cfg: Record<string, unknown> & { kind: string }): number {
  const num = (k: string): number | undefined => (typeof cfg[k] === 'number' ? (cfg[k] as number) : undefined);
  if (cfg.kind === 'garch') return num('longRunVolatilityAnnual') ?? 0.8;
  const base = num('volatilityAnnual') ?? num('longRunVolatilityAnnual');
  const lambda = num('jumpsPerYear') ?? 0;
  const m = num('jumpMeanLog') ?? 0;
  const d = num('jumpStdLog') ?? 0;
  if (base !== undefined) return Math.sqrt(base * base + lambda * (m * m + d * d));
  // models without a single volatility field (e.g. regime switching): first listed state, if any
  const states = cfg['states'];
  if (Array.isArray(states) && states.length && typeof states[0] === 'object' && states[0]) {
    return nominalVolatilityAnnual({ kind: 'state', ...(states[0] as Record<string, unknown>) });
  }
  return 0.8;
}
