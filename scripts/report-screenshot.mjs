#!/usr/bin/env node
/**
 * Regenerates docs/report-screenshot.png: the top of the default run's report (1280 × 1500 px) in
 * Debian's chromium. Run `npm start` first (it writes reports/default/index.html), then
 * `node scripts/report-screenshot.mjs [report.html] [out.png]`.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL, fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const page = path.resolve(process.argv[2] ?? path.join(root, 'reports/default/index.html'));
const out = path.resolve(process.argv[3] ?? path.join(root, 'docs/report-screenshot.png'));
if (!existsSync(page)) {
  console.error(`${page}: not found — run \`npm start\` first`);
  process.exit(2);
}
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
});
try {
  const p = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await p.goto(pathToFileURL(page).href);
  await p.waitForSelector('html[data-charts]', { timeout: 30_000 });
  await p.screenshot({ path: out, clip: { x: 0, y: 0, width: 1280, height: 1500 }, fullPage: true });
  console.log(`wrote ${path.relative(process.cwd(), out)}`);
} finally {
  await browser.close();
}
