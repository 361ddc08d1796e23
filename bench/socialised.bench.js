// Socialised loss at scale (issue 21 item 6; issue 26's socialised-loss row): one path of each scenario
// below, in one thread, the book drawn first and shown apart. A socialised loss is spread once per
// liquidation round (src/engine/waterfall.ts `socialisedLoss`), so a path costs O(rounds × accounts)
// rather than O(shortfalls × accounts). BENCH_REPEATS (default 3) runs each path that many times and
// keeps the fastest (the machine is shared and noisy).
import { loadScenarioFile, parseScenario } from '../dist/index.js';
import { contextFor } from '../dist/mc/chunk.js';
import { simulatePath } from '../dist/engine/path.js';

const REPEATS = Number(process.env.BENCH_REPEATS ?? 3);
const rows = [
  ['socialised-caps.yaml', '8,000 traders × 120 steps, per-account caps'],
  ['socialised-every-mechanism.yaml', '3,000 traders × 60 steps, 3 markets, every mechanism'],
];
console.log(`socialised loss, one path per scenario, 1 thread, best of ${REPEATS}`);
for (const [file, label] of rows) {
  const sc = parseScenario(loadScenarioFile(new URL(`./${file}`, import.meta.url).pathname));
  const tb = performance.now();
  const { ctx, buffers } = contextFor(sc);
  const book = performance.now() - tb;
  let best = Infinity;
  let r;
  for (let k = 0; k < REPEATS; k++) {
    const t0 = performance.now();
    r = simulatePath(ctx, 0, buffers, false);
    best = Math.min(best, performance.now() - t0);
  }
  const s = r.summary;
  console.log(
    `${label.padEnd(52)} ${(best / 1000).toFixed(2).padStart(7)} s/path  (${s.liquidationCount} liquidations, socialised $${s.socialisedLossUsd.toFixed(2)} over ${s.socialisedAccounts} accounts, bad debt $${s.badDebtUsd.toFixed(2)}; book ${book.toFixed(0)} ms)`,
  );
}
