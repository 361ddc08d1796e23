#!/usr/bin/env node
/**
 * Writes scenarios/data/synthetic-btc-1m.csv: two days of synthetic one-minute BTC-like prices
 * (timestamp,price with ISO-8601 UTC timestamps), for the `csv` price model's tests and examples.
 * Not market data. Deterministic: a fixed-seed mulberry32 generator, so re-running it reproduces the
 * file byte for byte (a test checks this).
 *
 * The process: GARCH(1,1)-style volatility around 60% a year with Gaussian shocks, plus a scripted
 * 2-hour sell-off of about −8% on day 2 with a partial rebound, so bootstrap blocks see both calm and
 * stress.
 *
 * Usage: node scripts/make-synthetic-csv.mjs [output path]
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { mulberry32 } from './mulberry32.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = process.argv[2] ?? path.join(ROOT, 'scenarios/data/synthetic-btc-1m.csv');


const rng = mulberry32(20240301);
function normal() {
  // Box–Muller, one variate per call
  const u = 1 - rng();
  const v = rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

const STEP_SECONDS = 60;
const STEPS = 2 * 24 * 60;
const START = Date.UTC(2024, 2, 1) / 1000; // 2024-03-01T00:00:00Z
const dt = STEP_SECONDS / (365 * 24 * 3600);
const longRunVar = 0.6 ** 2 * dt;
const alpha = 0.06;
const beta = 0.92;
const omega = longRunVar * (1 - alpha - beta);
// sell-off: day 2 from 14:00 to 16:00 UTC, −8% in log terms, then a 3-hour rebound of +3%
const SELL_FROM = 24 * 60 + 14 * 60;
const SELL_STEPS = 120;
const REBOUND_STEPS = 180;

let logP = Math.log(60_000);
let variance = longRunVar;
let eps = 0;
const rows = ['timestamp,price'];
const iso = (t) => new Date(t * 1000).toISOString().replace('.000Z', 'Z');
rows.push(`${iso(START)},${Math.exp(logP).toFixed(2)}`);
for (let k = 1; k <= STEPS; k++) {
  variance = omega + alpha * eps * eps + beta * variance;
  const stress = k > SELL_FROM && k <= SELL_FROM + SELL_STEPS ? 3 : 1; // variance multiplier in the sell-off
  eps = Math.sqrt(variance) * normal(); // fed back into the variance recursion
  let drift = 0;
  if (k > SELL_FROM && k <= SELL_FROM + SELL_STEPS) drift = Math.log(0.92) / SELL_STEPS;
  else if (k > SELL_FROM + SELL_STEPS && k <= SELL_FROM + SELL_STEPS + REBOUND_STEPS) drift = Math.log(1.03) / REBOUND_STEPS;
  logP += drift + Math.sqrt(stress) * eps;
  rows.push(`${iso(START + k * STEP_SECONDS)},${Math.exp(logP).toFixed(2)}`);
}
mkdirSync(path.dirname(out), { recursive: true });
writeFileSync(out, rows.join('\n') + '\n');
process.stderr.write(`wrote ${out} (${STEPS + 1} rows)\n`);
