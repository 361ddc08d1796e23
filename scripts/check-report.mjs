#!/usr/bin/env node
/**
 * Opens report pages in Debian's chromium at window widths (default 800 and 1400 px), prints console
 * errors, requests that leave the file, elements wider than their card, scrolling tables that lose their key
 * column, numbers split from their sign, axes that repeat a tick label, and overlapping or clipped chart
 * labels (scripts/layout-checks.mjs), and saves a full-page screenshot of each next to the page
 * (`<page>-<width>.png`) — or into `--shots DIR`. Exit 1 when any page has a problem.
 *
 *   node scripts/check-report.mjs reports/default/index.html [more.html …] [--widths 800,1400] [--shots DIR]
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { clippedLabels, duplicateTicks, hiddenKeyColumns, overflowingElements, overlappingLabels, splitSigns } from './layout-checks.mjs';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  if (i < 0) return dflt;
  const v = args[i + 1];
  args.splice(i, 2);
  return v;
};
const widths = opt('--widths', '800,1400').split(',').map(Number);
const shots = opt('--shots', null);
if (args.length === 0) {
  console.error('usage: node scripts/check-report.mjs <index.html> [...] [--widths 800,1400] [--shots DIR]');
  process.exit(2);
}
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
});
let bad = 0;
try {
  for (const file of args) {
    for (const width of widths) {
      const page = await browser.newPage({ viewport: { width, height: 900 } });
      const problems = [];
      page.on('console', (m) => {
        if (m.type() === 'error' || (m.type() === 'warning' && /^WARN\b/.test(m.text()))) problems.push(`console ${m.type()}: ${m.text()}`);
      });
      page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
      page.on('request', (r) => {
        if (!/^(file|data|blob):/.test(r.url())) problems.push(`request: ${r.url()}`);
      });
      await page.goto(pathToFileURL(path.resolve(file)).href);
      await page.waitForSelector('html[data-charts]', { timeout: 60_000 }).catch(() => problems.push('the charts never finished (no data-charts attribute after 60 s)'));
      await page.waitForTimeout(300);
      problems.push(
        ...(await overflowingElements(page)),
        ...(await hiddenKeyColumns(page)),
        ...(await splitSigns(page)),
        ...(await duplicateTicks(page)),
        ...(await overlappingLabels(page)),
        ...(await clippedLabels(page)),
      );
      const png = shots ? path.join(shots, `${path.basename(path.dirname(path.resolve(file)))}-${width}.png`) : `${file.replace(/\.html$/, '')}-${width}.png`;
      await page.screenshot({ path: png, fullPage: true });
      console.log(`${file} at ${width} px: ${problems.length ? `${problems.length} problem(s)` : 'ok'} — ${png}`);
      for (const p of problems) console.log(`  ${p}`);
      bad += problems.length;
      await page.close();
    }
  }
} finally {
  await browser.close();
}
process.exit(bad ? 1 : 0);
