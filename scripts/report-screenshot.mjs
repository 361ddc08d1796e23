#!/usr/bin/env node
/**
 * Screenshots of a report page in Debian's chromium, for docs/. By default the top of the default
 * run's report (1280 × 1500 px) into docs/report-screenshot.png — run `npm start` first (it writes
 * reports/default/index.html). Any report (run, sweep, calibration, comparison) and any part of it:
 *
 *   node scripts/report-screenshot.mjs [report.html] [out.png] [--width 1280] [--height 1500]
 *        [--section <id>]            one section (#headline, #waterfall, #whatif, …) instead of the top
 *        [--whatif <lever>=<min|max|value>]   move a what-if slider first and wait for the estimate
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL, fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const flag = (name, dflt) => {
  const i = args.indexOf(name);
  if (i < 0) return dflt;
  const v = args[i + 1];
  args.splice(i, 2);
  return v;
};
const width = Number(flag('--width', '1280'));
const height = Number(flag('--height', '1500'));
const section = flag('--section', null);
const whatIf = flag('--whatif', null);
const page = path.resolve(args[0] ?? path.join(root, 'reports/default/index.html'));
const out = path.resolve(args[1] ?? path.join(root, 'docs/report-screenshot.png'));
if (!existsSync(page)) {
  console.error(`${page}: not found — run \`npm start\` (or the command that writes it) first`);
  process.exit(2);
}
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
});
try {
  const p = await browser.newPage({ viewport: { width, height: 900 } });
  await p.goto(pathToFileURL(page).href);
  await p.waitForSelector('html[data-charts]', { timeout: 60_000 });
  if (whatIf) {
    const [lever, to] = whatIf.split('=');
    await p.$eval(`#whatif-${lever}`, (el, to) => {
      el.value = to === 'max' ? el.max : to === 'min' ? el.min : to;
      el.dispatchEvent(new Event('input', { bubbles: true }));
    }, to);
    await p.waitForSelector('#whatif-panel[data-state="done"]', { timeout: 300_000 });
  }
  await p.waitForTimeout(300);
  if (section) {
    await p.addStyleTag({ content: 'nav.toc{position:static !important}' }); // keep the sticky menu off the section
    await p.locator(`#${section}`).screenshot({ path: out });
  } else {
    await p.screenshot({ path: out, clip: { x: 0, y: 0, width, height }, fullPage: true });
  }
  console.log(`wrote ${path.relative(process.cwd(), out)}`);
} finally {
  await browser.close();
}
