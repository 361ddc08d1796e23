#!/usr/bin/env node
/**
 * Writes scenarios/data/synthetic-venue-{btc,eth,sol}-5m.csv: ten days of synthetic five-minute prices of three
 * correlated markets (timestamp,price, unix seconds), the example input of `marginlab fit --markets`
 * (docs/recommend.md, docs/price-models.md). Not market data. Deterministic: a fixed-seed mulberry32
 * generator, so re-running it reproduces the files byte for byte.
 *
 * The process: GBM with volatilities 45%, 60% and 80% a year and log-return correlations
 * BTC/ETH 0.8, BTC/SOL 0.65, ETH/SOL 0.7 (through the Cholesky factor). SOL's history starts a day later and
 * ETH misses an hour of rows on day 5, as real downloads do; `fit --markets` uses the timestamps all three share.
 *
 * Usage: node scripts/make-synthetic-markets.mjs [output folder]
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { mulberry32 } from './mulberry32.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dir = process.argv[2] ?? path.join(ROOT, 'scenarios/data');

const rng = mulberry32(20241207);
const normal = () => Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());

const STEP = 300;
const STEPS = 10 * 288;
const START = Date.UTC(2024, 2, 1) / 1000; // 2024-03-01T00:00:00Z
const dt = STEP / (365 * 24 * 3600);
const markets = [
  { name: 'btc', price: 60000, vol: 0.45, keep: () => true },
  { name: 'eth', price: 3000, vol: 0.6, keep: (k) => !(k >= 4 * 288 + 120 && k < 4 * 288 + 132) },
  { name: 'sol', price: 120, vol: 0.8, keep: (k) => k >= 288 },
];
const C = [[1, 0.8, 0.65], [0.8, 1, 0.7], [0.65, 0.7, 1]];
const L = C.map(() => C.map(() => 0));
for (let j = 0; j < 3; j++) {
  let d = C[j][j];
  for (let k = 0; k < j; k++) d -= L[j][k] ** 2;
  L[j][j] = Math.sqrt(d);
  for (let i = j + 1; i < 3; i++) {
    let r = C[i][j];
    for (let k = 0; k < j; k++) r -= L[i][k] * L[j][k];
    L[i][j] = r / L[j][j];
  }
}
const rows = markets.map(() => []);
const logp = markets.map((m) => Math.log(m.price));
for (let k = 0; k <= STEPS; k++) {
  if (k > 0) {
    const e = [normal(), normal(), normal()];
    for (let i = 0; i < 3; i++) {
      let z = 0;
      for (let j = 0; j <= i; j++) z += L[i][j] * e[j];
      logp[i] += -0.5 * markets[i].vol ** 2 * dt + markets[i].vol * Math.sqrt(dt) * z;
    }
  }
  markets.forEach((m, i) => {
    if (m.keep(k)) rows[i].push(`${START + k * STEP},${Math.exp(logp[i]).toPrecision(8)}`);
  });
}
mkdirSync(dir, { recursive: true });
markets.forEach((m, i) => {
  const file = path.join(dir, `synthetic-venue-${m.name}-5m.csv`);
  writeFileSync(file, `timestamp,price\n${rows[i].join('\n')}\n`);
  process.stdout.write(`wrote ${path.relative(process.cwd(), file)} (${rows[i].length} rows)\n`);
});
