/**
 * Venue presets (presets/*.yaml, docs/venues.md): every file is well formed and cites a source for
 * every field it sets; a scenario's own fields win over the preset's, field by field; and each
 * preset's published numbers are pinned by a test of the mechanism they drive — Hyperliquid's 20%
 * slice then the whole position within the cooldown, Binance's maintenance amounts and bracket initial margin, dYdX's per-block caps,
 * Bybit's reduction to the tier below and its drawdown trigger.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { parseScenario, parseScenarioText } from '../../src/scenario/load.js';
import { variantsFromBlock } from '../../src/sweep/compare.js';
import { assetOfMarketName, PRESET_DIR, PresetFileSchema, readPreset } from '../../src/scenario/presets.js';
import { VENUE_PRESETS, type VenuePreset } from '../../src/scenario/schema.js';
import { createMaintenanceModel } from '../../src/margin/maintenance.js';
import { initialMargin, initialMarginRule } from '../../src/margin/initial.js';
import { identicalTraders } from '../helpers/scenarios.js';
import { handState, startStepAt, type HandAccount } from '../helpers/handbook.js';
import { maintenanceCheck } from '../../src/engine/maintenance-check.js';
import { beginLiquidations, endLiquidations } from '../../src/engine/liquidation.js';
import { liquidationRound } from '../../src/engine/step.js';
import { notional } from '../../src/engine/account.js';
import { fundingAndSettlement } from '../../src/engine/funding.js';
import type { PathState } from '../../src/engine/state.js';

/** Every leaf path under `o` (arrays are leaves). */
function leaves(o: unknown, at: string, out: string[]): string[] {
  if (o !== null && typeof o === 'object' && !Array.isArray(o)) for (const [k, v] of Object.entries(o)) leaves(v, at ? `${at}.${k}` : k, out);
  else out.push(at);
  return out;
}

/**
 * A one-market scenario under `preset` with the given overrides; its traders are one kind (books are
 * hand-built below) and it sets no policy field of its own beyond `over`'s, so the preset's rules hold.
 */
function venue(preset: VenuePreset, over: Record<string, unknown> = {}) {
  const base = identicalTraders() as unknown as Record<string, unknown>;
  const { policy: _drop, ...rest } = base;
  void _drop;
  return parseScenario({ ...rest, traders: { ...(base.traders as object), leverage: { kind: 'tiers', tiers: [{ leverage: 5, weight: 1 }] } }, preset, market: { name: 'BTC-PERP', initialPriceUsd: 90_000, impact: { kind: 'none' } }, ...over }, 'test');
}

/** One step at `price`: every round until the cascade settles; returns the notional liquidated. */
function stepAt(st: PathState, t: number, price: number): number {
  startStepAt(st, t, price);
  beginLiquidations(st);
  for (let gen = 0; gen < 100; gen++) {
    const n = maintenanceCheck(st, gen);
    if (n === 0) break;
    liquidationRound(st, gen, n);
  }
  const done = st.stepLiq.notionalUsd;
  endLiquidations(st);
  return done;
}

describe('preset files', () => {
  for (const name of VENUE_PRESETS) {
    it(`${name}: well formed, every field cited from a listed source, every asset row a valid policy`, () => {
      const raw = parseYaml(readFileSync(`${PRESET_DIR}${name}.yaml`, 'utf8'));
      const p = PresetFileSchema.parse(raw);
      const ids = new Set(p.sources.map((s) => s.id));
      for (const s of p.sources) expect(s.date, `${name}: source ${s.id} has a date or says it is undated`).toMatch(/\d{4}|undated/);
      const cited = Object.keys(p.cites);
      for (const [path, src] of Object.entries(p.cites)) {
        for (const id of Array.isArray(src) ? src : [src]) expect(ids.has(id), `${name}: cites.${path} names an unknown source ${id}`).toBe(true);
      }
      const set = [...leaves(p.policy, 'policy', []), ...leaves(p.assets, 'assets', [])];
      const uncited = set.filter((l) => !cited.some((c) => l === c || l.startsWith(`${c}.`)));
      expect(uncited, `${name}: fields without a source`).toEqual([]);
      for (const asset of Object.keys(p.assets)) {
        const sc = venue(name, { market: { name: 'X', asset: asset === 'default' ? 'ZZZ' : asset, initialPriceUsd: 100, impact: { kind: 'none' } } });
        expect(sc.market.policy, `${name}: asset ${asset}`).toBeDefined();
      }
    });
  }
});

describe('preset expansion', () => {
  it('a market takes its asset’s row; its name gives the asset unless `asset` says otherwise', () => {
    expect(['BTC-PERP', 'ETHUSDT', 'sol-usd-perp', 'BTC', 'PERP'].map(assetOfMarketName)).toEqual(['BTC', 'ETH', 'SOL', 'BTC', 'PERP']);
    const hl = venue('hyperliquid', { otherMarkets: [{ name: 'SOL-PERP' }, { name: 'whatever', asset: 'ETH' }] });
    expect(hl.market.policy!.maxLeverage).toBe(40);
    expect(hl.otherMarkets[0].policy!.maxLeverage).toBe(20);
    expect(hl.otherMarkets[1].policy!.maxLeverage).toBe(25);
    expect(hl.policy.liquidation.kind).toBe('fraction'); // the venue-wide rules
    expect(hl.market.policy!.liquidation!.cooldownSeconds).toBe(30);
  });

  it('the scenario’s fields win: its policy over the preset and every row, a market’s policy over its row', () => {
    const sc = venue('hyperliquid', {
      policy: { maxLeverage: 10, liquidation: { feeRate: 0.001 } },
      otherMarkets: [{ name: 'ETH-PERP', policy: { maxLeverage: 5, liquidation: { closeFraction: 0.5 } } }],
    });
    expect(sc.policy.maxLeverage).toBe(10);
    expect(sc.market.policy!.maxLeverage).toBe(10); // the scenario's field beats BTC's row
    expect(sc.market.policy!.maintenance).toEqual(readPreset('hyperliquid').assets.BTC.maintenance); // not given: the row's
    expect(sc.market.policy!.liquidation!.feeRate).toBe(0.001);
    expect(sc.otherMarkets[0].policy!.maxLeverage).toBe(5);
    expect(sc.otherMarkets[0].policy!.liquidation!.closeFraction).toBe(0.5);
    expect(sc.otherMarkets[0].policy!.liquidation!.kind).toBe('fraction');
    // a resolved scenario parses to itself (variants and studies re-parse it)
    expect(parseScenario(JSON.parse(JSON.stringify(sc)), 'again')).toEqual(sc);
  });

  it('variants may run the same book and shocks under different venues’ rules', () => {
    const base = venue('hyperliquid') as unknown as Record<string, unknown>;
    const text = JSON.stringify({
      name: 'venues',
      market: { name: 'BTC-PERP', initialPriceUsd: 90_000 },
      traders: base.traders,
      policy: { insuranceFund: { initialUsd: 300_000 } },
      variants: [
        { name: 'hl', override: { preset: 'hyperliquid' } },
        { name: 'bn', override: { preset: 'binance' } },
      ],
    });
    const vs = variantsFromBlock(parseScenarioText(text, 'venues.yaml'), 'venues.yaml');
    expect(vs.map((v) => v.scenario.market.policy!.maxLeverage)).toEqual([40, 150]);
    expect(vs.map((v) => v.scenario.market.policy!.liquidation!.kind)).toEqual(['fraction', 'partial']);
    expect(vs.map((v) => v.scenario.policy.insuranceFund.initialUsd)).toEqual([300_000, 300_000]); // the user's field wins over both
  });

  it('an asset the preset does not list is one line naming the field, the value and the listed assets', () => {
    expect(() => venue('bybit', { market: { name: 'DOGE-PERP' } })).toThrow(/market\.name: "DOGE-PERP" is not an asset of preset bybit — allowed: BTC \(set market\.asset/);
    expect(() => venue('binance', { market: { name: 'X', asset: 'DOGE' } })).toThrow(/market\.asset: "DOGE" is not an asset of preset binance — allowed: BTC, ETH, SOL/);
    expect(() => venue('nope' as VenuePreset)).toThrow(/preset: "nope" is not allowed/);
  });
});

describe('funding: every perpetual preset pays its venue\'s', () => {
  it('each venue\'s interval, rate interval, interest, clamp, cap, premium averaging and notional price reach the market', () => {
    const f = (p: VenuePreset, over: Record<string, unknown> = {}) => venue(p, over).market.policy!.funding!;
    expect(f('hyperliquid')).toMatchObject({ enabled: true, intervalSeconds: 3_600, rateIntervalSeconds: 28_800, interestRatePerInterval: 0.0001, clamp: 0.0005, capPerInterval: 0.32, premiumAveraging: 'mean', notionalPrice: 'index' });
    expect(f('binance')).toMatchObject({ intervalSeconds: 28_800, interestRatePerInterval: 0.0001, clamp: 0.0005, capPerInterval: 0.003, premiumAveraging: 'time-weighted', notionalPrice: 'mark' });
    expect(f('binance', { market: { name: 'SOL-PERP', initialPriceUsd: 150 } }).capPerInterval).toBe(0.00375);
    expect(f('bybit')).toMatchObject({ intervalSeconds: 28_800, interestRatePerInterval: 0.0001, clamp: 0.0005, premiumAveraging: 'time-weighted', notionalPrice: 'mark' });
    expect(f('dydx')).toMatchObject({ intervalSeconds: 3_600, rateIntervalSeconds: 28_800, interestRatePerInterval: 0, clamp: 0, capPerInterval: 0.048, premiumAveraging: 'mean', notionalPrice: 'index' });
    expect(f('dydx', { market: { name: 'SOL-PERP', initialPriceUsd: 150 } }).capPerInterval).toBe(0.12);
    expect(readPreset('aave-v3').policy.funding).toBeUndefined(); // a lending market pays no funding
  });

  it('a scenario switches a preset\'s funding off with enabled: false, and the engine then pays none', () => {
    const acct: HandAccount = { marginUsd: 20_000, positions: [{ side: 1, size: 2, entry: 90_000 }] };
    const on = handState(venue('hyperliquid'), [acct]).st;
    expect(on.funding).toBeDefined();
    for (let t = 1; t <= 60; t++) startStepAt(on, t, 90_000), fundingAndSettlement(on);
    // a lone long pays the outside book 0.01% / 8 of 2 × 90,000 = $2.25 on the hour
    expect(on.events.fundingPaidCents).toBe(225);
    expect(on.books.outsideCents).toBe(225);
    const off = handState(venue('hyperliquid', { policy: { funding: { enabled: false } } }), [acct]).st;
    expect(off.funding).toBeUndefined();
  });
});

describe('Hyperliquid', () => {
  it('a liquidatable position above 100k USDC closes 20%; still in breach within its 30 s cooldown, the whole position', () => {
    // 5 BTC at 90,000 (450k) on 14,125 of margin; at 88,000 MM = 1.25% × 440,000 = 5,500 and equity
    // 4,125 = 0.75 MM: in breach, above the vault's 2/3 MM. A 20% close at the mark keeps equity and
    // cuts MM by 20%: 4,125 / 4,400 = 0.94, still in breach — and within the cooldown the next order is
    // for the whole position (the same step: its rounds are the same instant).
    const sc = venue('hyperliquid', { stepSeconds: 10, policy: { markPrice: { kind: 'last' }, insuranceFund: { initialUsd: 0 } } });
    const acct: HandAccount = { marginUsd: 14_125, positions: [{ side: 1, size: 5, entry: 90_000 }] };
    const { st } = handState(sc, [acct]);
    expect(st.ctx.rules[0].liquidation.cooldownSteps).toBe(3);
    expect(st.ctx.rules[0].liquidation.duringCooldown).toBe('full');
    expect(stepAt(st, 1, 88_000)).toBeCloseTo(440_000, 6);
    expect(notional(st, 0)).toBe(0);
    expect(st.stepLiq.accounts).toBe(2); // two orders: 88,000 then 352,000
    expect(st.events.backstopTakeovers).toBe(0);
  });

  it('a slice that restores the margin: a breach 20 s later (within the cooldown) closes the whole position, one 30 s later slices again', () => {
    // as above with 14,525 of margin: equity 4,525 at 88,000; after the slice 4,525 / 4,400 > 1, healthy.
    // At 87,950 (t = 3, 20 s later): equity 4,525 − 4 × 50 = 4,325 < 0.0125 × 4 × 87,950 = 4,397.5 → the whole position
    const sc = venue('hyperliquid', { stepSeconds: 10, policy: { markPrice: { kind: 'last' }, insuranceFund: { initialUsd: 0 } } });
    const whole = handState(sc, [{ marginUsd: 14_525, positions: [{ side: 1, size: 5, entry: 90_000 }] }]).st;
    expect(stepAt(whole, 1, 88_000)).toBeCloseTo(88_000, 6);
    expect(stepAt(whole, 2, 88_000)).toBe(0);
    expect(stepAt(whole, 3, 87_950)).toBeCloseTo(4 * 87_950, 6);
    expect(notional(whole, 0)).toBe(0);
    // the same breach at t = 4 (30 s after the slice) is past the cooldown: another 20%
    const slice = handState(sc, [{ marginUsd: 14_525, positions: [{ side: 1, size: 5, entry: 90_000 }] }]).st;
    stepAt(slice, 1, 88_000);
    expect(stepAt(slice, 4, 87_950)).toBeCloseTo(0.2 * 4 * 87_950, 6);
  });

  it('below 2/3 of MM: a 20% slice to the book first, then the liquidator vault takes the rest over', () => {
    const sc = venue('hyperliquid', { policy: { markPrice: { kind: 'last' } } });
    const { st } = handState(sc, [{ marginUsd: 12_000, positions: [{ side: 1, size: 5, entry: 90_000 }] }]);
    // equity 2,000 < 2/3 × 5,500: the book first (1 BTC); then 2,000 < 2/3 × 4,400 = 2,933: the vault takes 4 BTC
    stepAt(st, 1, 88_000);
    expect(st.stepLiq.accounts).toBe(2);
    expect(st.events.backstopTakeovers).toBe(1);
    expect(notional(st, 0)).toBe(0);
  });
});

describe('Binance USDⓈ-M', () => {
  const sc = venue('binance');
  const p = sc.market.policy!;
  const mm = createMaintenanceModel(p.maintenance!, { maxLeverage: p.maxLeverage!, nominalVolPerStep: 0.001, stepsPerYear: 525_600 });

  it('BTCUSDT maintenance: MM = N·MMR − amount, with the published amounts and continuous at every bracket edge', () => {
    // the leverageBracket table's cum for brackets 2–4: 300, 1,500, 12,000 USDT
    expect(mm.mm(500_000)).toBeCloseTo(500_000 * 0.005 - 300, 6);
    expect(mm.mm(1_000_000)).toBeCloseTo(1_000_000 * 0.0065 - 1_500, 6);
    expect(mm.mm(5_000_000)).toBeCloseTo(5_000_000 * 0.01 - 12_000, 6);
    const tiers = (p.maintenance as { tiers: { notionalFloorUsd: number }[] }).tiers;
    // either side of an edge: within the slope's change over ±1e-12·f (a jump would be Δmmr·f)
    for (const { notionalFloorUsd: f } of tiers.slice(1)) expect(Math.abs(mm.mm(f * (1 + 1e-12)) - mm.mm(f * (1 - 1e-12)))).toBeLessThan(f * 1e-11);
  });

  it('bracket initial margin: N / the bracket’s max leverage (150x to 300k, 100x to 800k, 75x to 3M)', () => {
    const rule = initialMarginRule(sc, 0);
    expect(initialMargin(150_000, 0, rule, mm)).toBeCloseTo(1_000, 6);
    expect(initialMargin(500_000, 0, rule, mm)).toBeCloseTo(5_000, 6);
    expect(initialMargin(2_000_000, 0, rule, mm)).toBeCloseTo(2_000_000 / 75, 6);
    expect(sc.market.policy!.liquidation!.feeRate).toBe(0.0125);
    expect(sc.market.policy!.insuranceFund!.group).toBe('binance-btcusdt');
  });
});

describe('dYdX v4', () => {
  it('at most 100k USDC of a subaccount’s notional is liquidated per block: 500k per 5 s step', () => {
    const sc = venue('dydx', { stepSeconds: 5, policy: { markPrice: { kind: 'index' }, insuranceFund: { initialUsd: 10_000_000 } } });
    expect(sc.market.policy!.liquidation!.caps!.perAccountNotionalUsdPerStep).toBe(100_000); // as written: per block
    // 40 BTC (3.6M) on 80,000 of margin; at 88,000 equity is 0 (bankrupt at the mark): a full close
    const { st } = handState(sc, [{ marginUsd: 80_000, positions: [{ side: 1, size: 40, entry: 90_000 }] }]);
    expect(st.ctx.rules[0].liquidation.caps.perAccountNotionalUsdPerStep).toBe(500_000);
    const closed = [1, 2, 3].map((t) => stepAt(st, t, 88_000));
    for (const c of closed) expect(c).toBeCloseTo(500_000, 3);
    expect(st.ctx.rules[0].waterfall.adlRanking).toBe('dydx');
  });

  it('a position loses at most 10% of its notional a block (1 s steps: one block each)', () => {
    const sc = venue('dydx', { stepSeconds: 1, policy: { markPrice: { kind: 'index' }, insuranceFund: { initialUsd: 10_000_000 } } });
    // 8 BTC at 90,000 on 16,100: at 88,000 equity 100 < MM 1.2% × 704,000 = 8,448 — the just-enough close is
    // nearly all of it, but one block takes 10% (70,400 < the subaccount's 100,000), the next 10% of what is left
    const { st } = handState(sc, [{ marginUsd: 16_100, positions: [{ side: 1, size: 8, entry: 90_000 }] }]);
    expect(st.ctx.rules[0].liquidation.caps.positionBlockLimit).toEqual({ shareOfNotional: 0.1, minNotionalUsd: 1_000, blocksPerStep: 1 });
    expect(st.ctx.rules[0].liquidation.caps.fundPayoutUsdPerAccountPerStep).toBe(1_000_000);
    expect(stepAt(st, 1, 88_000)).toBeCloseTo(70_400, 6);
    expect(stepAt(st, 2, 88_000)).toBeCloseTo(63_360, 6);
  });
});

describe('Bybit', () => {
  it('a liquidated position in a higher risk-limit tier is first reduced to the tier below', () => {
    const sc = venue('bybit', { policy: { markPrice: { kind: 'last' }, insuranceFund: { initialUsd: 1_000_000 } } });
    // 33 BTC at 90,000 = 2.97M: the 0.63% tier (floor 2.6M). At 88,000 (2.904M) MM = 0.0063 × 2.904M −
    // 3,020 (the published deduction) = 15,275; margin 81,000 leaves equity 15,000 < MM.
    const mmv = 0.0063 * 2_904_000 - 3_020;
    const { st } = handState(sc, [{ marginUsd: 81_000, positions: [{ side: 1, size: 33, entry: 90_000 }] }]);
    startStepAt(st, 1, 88_000);
    beginLiquidations(st);
    expect(st.b.listMm).toBeDefined();
    const n = maintenanceCheck(st, 0);
    expect(n).toBe(1);
    expect(st.b.listMm[0]).toBeCloseTo(mmv, 6);
    liquidationRound(st, 0, n);
    expect(notional(st, 0)).toBeCloseTo(2_600_000, 3); // down to the 0.56% tier's upper edge
    endLiquidations(st);
    // the drawdown trigger: 30% over 8 hours of 60 s steps
    expect(st.fundPeaks[0]?.window).toBe(480);
  });

  it('a full liquidation forfeits what is left of the margin to the insurance fund', () => {
    const sc = venue('bybit', { policy: { markPrice: { kind: 'last' }, insuranceFund: { initialUsd: 0 } } });
    // 1 BTC (lowest tier, MMR 0.5%) on 2,000: at 88,500 equity 500 < MM 442.5? no — at 88,300: 300 < 441.5
    const { st } = handState(sc, [{ marginUsd: 2_000, positions: [{ side: 1, size: 1, entry: 90_000 }] }]);
    stepAt(st, 1, 88_300);
    expect(notional(st, 0)).toBe(0);
    expect(st.books.fundCents).toBe(30_000);
    expect(st.books.walletCents).toBe(0);
  });
});

describe('Aave v3', () => {
  it('WETH’s row and v3.3’s close-factor rules reach the lending reserve; the close factor switches from 50% to 100% at HF 0.95', async () => {
    const { lendingBook } = await import('../../src/engine/lending.js');
    const sc = venue('aave-v3', {
      market: { name: 'ETH-USD', initialPriceUsd: 100, impact: { kind: 'none' } },
      lending: { market: 'ETH-USD', borrowers: 1, collateralUsd: { kind: 'lognormal', medianUsd: 10_000, sigmaLog: 0 }, ltvShareOfMax: { min: 1, max: 1 } },
      policy: { markPrice: { kind: 'last' } },
    });
    const r = sc.market.policy!.lending!;
    expect(r).toMatchObject({ liquidationThreshold: 0.83, maxLtv: 0.8, liquidationBonus: 0.05, protocolFeeOfBonus: 0.1, closeFactor: 0.5, fullCloseBelowHealthFactor: 0.95, fullCloseBelowUsd: 2_000, minLeftoverUsd: 1_000 });
    expect(lendingBook(sc)!.debtCents[0]).toBe(800_000); // $10,000 at the 80% max LTV
    // HF = 100 units · P · 0.83 / 8,000: at 91.6 HF 0.9504 → 50% repaid; at 91.5 HF 0.9493 → 100%
    const { lendingCheck, endLending } = await import('../../src/engine/lending.js');
    const repaidAt = (P: number) => {
      const { st } = handState(sc, [{ marginUsd: 1_000, positions: [{ side: 1, size: 1, entry: 100 }] }]);
      startStepAt(st, 1, P);
      beginLiquidations(st);
      const nl = lendingCheck(st);
      liquidationRound(st, 0, maintenanceCheck(st, 0), nl);
      endLiquidations(st);
      endLending(st);
      st.books.checkConservation(st.nAccounts, 'aave');
      return st.events.lendingRepaidCents;
    };
    expect(repaidAt(91.6)).toBe(400_000);
    expect(repaidAt(91.5)).toBe(800_000);
  });
});
