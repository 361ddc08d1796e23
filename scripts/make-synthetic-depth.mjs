#!/usr/bin/env node
/**
 * Writes scenarios/data/synthetic-depth.csv: a synthetic cumulative depth table for a BTC-like
 * perpetual (distancePercent,bidDepthUsd,askDepthUsd), for the `curve` impact model's example. Not
 * market data. Deterministic (no randomness), so re-running it reproduces the file byte for byte.
 *
 * Shape: thin near mid and thicker further out, D(p) = D₁ · p^1.25 per side (D₁ the depth within 1%:
 * 6 M USD of bids, 7.5 M USD of asks — the sell side thinner, as in a falling market), with a wall of
 * resting orders at 2% and 5% on the bids (+1.5 M USD each). Rows every 0.05% to 1%, every 0.25% to 10%.
 *
 * Usage: node scripts/make-synthetic-depth.mjs [output path]
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = process.argv[2] ?? path.join(ROOT, 'scenarios/data/synthetic-depth.csv');

const distances = [];
for (let k = 1; k <= 20; k++) distances.push(k * 0.05);
for (let k = 5; k <= 40; k++) distances.push(k * 0.25);
const rows = ['distancePercent,bidDepthUsd,askDepthUsd'];
for (const p of distances) {
  const walls = (p >= 2 ? 1.5e6 : 0) + (p >= 5 ? 1.5e6 : 0);
  const bid = 6e6 * p ** 1.25 + walls;
  const ask = 7.5e6 * p ** 1.25;
  rows.push(`${Number(p.toFixed(2))},${Math.round(bid)},${Math.round(ask)}`);
}
mkdirSync(path.dirname(out), { recursive: true });
writeFileSync(out, rows.join('\n') + '\n');
process.stderr.write(`wrote ${out} (${distances.length} rows)\n`);
