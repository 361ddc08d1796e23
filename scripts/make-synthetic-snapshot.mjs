#!/usr/bin/env node
/**
 * Writes scenarios/data/synthetic-positions.csv: a synthetic position snapshot (the `traders.snapshot`
 * format of src/scenario/snapshot-csv.ts) for scenarios/venue-snapshot.yaml. Not market data: the
 * book is drawn by marginlab itself — 400 accounts on BTC-PERP and ETH-PERP, a quarter on cross margin,
 * seasoned on a one-day warm-up history — and written back with `snapshotCsv`. Every other account's
 * behaviour cells (stopPrice, takeProfitPrice, topUpTrigger, deleverage) are left empty, so loading
 * the file draws them from the scenario's distributions, as for accounts a venue's export has no
 * orders for. Deterministic (fixed seed): re-running it reproduces the file byte for byte.
 *
 * Usage: npm run build && node scripts/make-synthetic-snapshot.mjs [output path]
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = process.argv[2] ?? path.join(ROOT, 'scenarios/data/synthetic-positions.csv');
const { parseScenario } = await import(path.join(ROOT, 'dist/scenario/load.js'));
const { createRunContext } = await import(path.join(ROOT, 'dist/engine/context.js'));
const { snapshotCsv } = await import(path.join(ROOT, 'dist/agents/snapshot.js'));

const sc = parseScenario({
  name: 'synthetic-snapshot-source',
  seed: 2025,
  stepSeconds: 60,
  market: { name: 'BTC-PERP', initialPriceUsd: 60000, priceModel: { kind: 'garch', longRunVolatilityAnnual: 0.6 } },
  otherMarkets: [{ name: 'ETH-PERP', initialPriceUsd: 3000, priceModel: { kind: 'garch', longRunVolatilityAnnual: 0.8 } }],
  traders: {
    count: 400,
    longShare: 0.65,
    crossMarginShare: 0.25,
    marketWeights: [0.6, 0.4],
    warmup: { kind: 'history', meanHoldingHours: 12, lengthHours: 24 },
    leverage: { kind: 'tiers', tiers: [{ leverage: 3, weight: 0.3 }, { leverage: 10, weight: 0.4 }, { leverage: 25, weight: 0.3 }] },
    collateralUsd: { kind: 'pareto', minUsd: 500, alpha: 1.5, maxUsd: 2000000 },
    stopLoss: { share: 0.3 },
    takeProfit: { share: 0.2 },
    topUp: { share: 0.4 },
  },
  policy: { maxLeverage: 25, maintenance: { kind: 'fixed', mmr: 0.02 } },
});
const text = snapshotCsv(createRunContext(sc).population, ['BTC-PERP', 'ETH-PERP']);
const lines = text.trimEnd().split('\n');
const body = lines.slice(1).map((line) => {
  const cells = line.split(',');
  const account = Number(cells[0].slice(1));
  if (account % 2 === 1) for (const c of [9, 10, 11, 12]) cells[c] = '';
  return cells.join(',');
});
mkdirSync(path.dirname(out), { recursive: true });
writeFileSync(out, [lines[0], ...body].join('\n') + '\n');
process.stderr.write(`wrote ${out} (${body.length} positions)\n`);
