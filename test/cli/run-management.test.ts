/**
 * Run management (issue 14, part 5), through the CLI in-process:
 * - a run never silently overwrites an earlier folder: the default folder is numbered (reports/<name>-2),
 *   an explicit --out holding a run is refused (exit 2, one line, nothing changed) unless --force;
 * - `marginlab report` rebuilds any output folder — run, sweep, calibrate, compare — from its saved JSON
 *   without re-simulating, leaving the JSON as it was;
 * - `marginlab list` shows the saved outputs with their headline figures;
 * - `marginlab compare` pairs saved runs without simulating when they share a seed, paths and book, and
 *   refuses (exit 2) when they do not; a comparison whose variants face different books says so on
 *   stderr and in the report, with how many accounts differ.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cli, isOneLineUserError } from '../helpers/cli.js';

const SMALL = {
  name: 'mgmt',
  seed: 3,
  paths: 12,
  horizonSteps: 120,
  traders: { count: 200 },
  market: { impact: { kind: 'linear', depthUsdPerPercent: 200_000 } },
  policy: { insuranceFund: { initialUsd: 1_000 } },
};

let dir: string;
let cwd: string;
const at = (...p: string[]) => path.join(dir, ...p);
function scenario(name: string, over: object = {}): string {
  const f = at(`${name}.json`);
  writeFileSync(f, JSON.stringify({ ...SMALL, name, ...over }));
  return f;
}

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'marginlab-mgmt-'));
  cwd = process.cwd();
  process.chdir(dir); // the default output folder reports/<name> is relative to the working folder
});
afterAll(() => {
  process.chdir(cwd);
  rmSync(dir, { recursive: true, force: true });
});

describe('runs never silently overwrite an earlier folder', () => {
  it('the default folder is numbered when it holds a run; --force replaces it', async () => {
    const f = scenario('mgmt');
    expect((await cli('run', f, '--workers', '0', '--no-figures')).status).toBe(0);
    const first = readFileSync(at('reports/mgmt/results.json'), 'utf8');
    const second = await cli('run', f, '--workers', '0', '--no-figures', '--seed', '4');
    expect(second.status, second.stderr).toBe(0);
    expect(second.stderr).toContain(`reports/mgmt holds an earlier run; writing ${path.join('reports', 'mgmt-2')}`);
    expect(readFileSync(at('reports/mgmt/results.json'), 'utf8')).toBe(first);
    expect(JSON.parse(readFileSync(at('reports/mgmt-2/results.json'), 'utf8')).seed).toBe(4);
    expect((await cli('run', f, '--workers', '0', '--no-figures', '--seed', '5', '--force')).status).toBe(0);
    expect(JSON.parse(readFileSync(at('reports/mgmt/results.json'), 'utf8')).seed).toBe(5);
    expect(existsSync(at('reports/mgmt-3'))).toBe(false);
  });
  it('an explicit --out holding a run is refused (exit 2, one line, untouched) unless --force', async () => {
    const f = scenario('mgmt-out');
    const out = at('explicit');
    expect((await cli('run', f, '--out', out, '--workers', '0', '--no-figures')).status).toBe(0);
    const before = readFileSync(path.join(out, 'results.json'), 'utf8');
    const r = await cli('run', f, '--out', out, '--workers', '0', '--no-figures', '--seed', '9');
    expect(isOneLineUserError(r, /--out .*explicit: holds an earlier run — pass --force/), r.stderr).toBe(true);
    expect(readFileSync(path.join(out, 'results.json'), 'utf8')).toBe(before);
    expect((await cli('run', f, '--out', out, '--workers', '0', '--no-figures', '--seed', '9', '--force')).status).toBe(0);
    expect(JSON.parse(readFileSync(path.join(out, 'results.json'), 'utf8')).seed).toBe(9);
  });
});

describe('marginlab report rebuilds any output folder', () => {
  const folders: Record<string, { out: string; json: string }> = {};
  beforeAll(async () => {
    const f = scenario('studies');
    folders.sweep = { out: at('st-sweep'), json: 'sweep.json' };
    folders.calibrate = { out: at('st-cal'), json: 'calibration.json' };
    folders.compare = { out: at('st-cmp'), json: 'comparison.json' };
    const runs = [
      ['sweep', f, '--param', 'policy.maintenance.mmr=0.015,0.03', '--out', folders.sweep.out],
      ['calibrate', f, '--param', 'policy.maintenance.mmr', '--range', '0.005..0.04', '--target', 'fractionTradersLiquidated.mean <= 10%', '--paths', '12', '--max-paths', '24', '--budget', '200', '--out', folders.calibrate.out],
      ['compare', f, scenario('studies-b', { policy: { insuranceFund: { initialUsd: 10_000 } } }), '--out', folders.compare.out],
    ];
    for (const args of runs) {
      const r = await cli(...args, '--workers', '0', '--no-figures');
      expect(r.status, `${args[0]}: ${r.stderr}`).toBe(0);
    }
  }, 120_000);

  for (const kind of ['sweep', 'calibrate', 'compare'] as const) {
    it(`${kind}: index.html and summary.md are rebuilt from the saved JSON, which is left alone`, async () => {
      const { out, json } = folders[kind];
      const saved = readFileSync(path.join(out, json), 'utf8');
      const md = readFileSync(path.join(out, 'summary.md'), 'utf8');
      rmSync(path.join(out, 'index.html'));
      rmSync(path.join(out, 'summary.md'));
      const r = await cli('report', out, '--no-figures');
      expect(r.status, r.stderr).toBe(0);
      expect(r.stderr).toContain(`${kind} report rebuilt from ${path.join(out, json)}`);
      expect(readFileSync(path.join(out, 'index.html'), 'utf8')).toContain('class="verdict"');
      expect(readFileSync(path.join(out, 'summary.md'), 'utf8')).toBe(md);
      expect(readFileSync(path.join(out, json), 'utf8')).toBe(saved);
    });
  }
  it('a folder holding no marginlab output, or a damaged study file, is one line and exit 2', async () => {
    const empty = at('empty');
    mkdirSync(empty);
    expect(isOneLineUserError(await cli('report', empty), /holds no marginlab output/)).toBe(true);
    const bad = at('bad-sweep');
    mkdirSync(bad);
    writeFileSync(path.join(bad, 'sweep.json'), JSON.stringify({ format: 'marginlab.sweep/1', points: 'x' }));
    const r = await cli('report', bad);
    expect(isOneLineUserError(r, /sweep\.json: field "/), r.stderr).toBe(true);
    expect(readdirSync(bad)).toEqual(['sweep.json']);
  });

  it('marginlab list shows every saved output with its kind and headline figures', async () => {
    const r = await cli('list', at('.'));
    expect(r.status, r.stderr).toBe(0);
    for (const name of ['explicit', 'st-sweep', 'st-cal', 'st-cmp']) expect(r.stdout).toContain(name);
    expect(r.stdout).toMatch(/explicit\s+run\s+\d{4}-\d\d-\d\d \d\d:\d\d\s+12 paths\s+P\(bad debt > 0\) [\d.]+%/);
    expect(r.stdout).toMatch(/st-cal\s+calibrate\s+.*(Set MMR ≥|No maintenance margin rate)/);
    const j = await cli('list', at('reports'), '--json');
    const rows = JSON.parse(j.stdout) as { folder: string; kind: string; summary: { command: string } }[];
    expect(rows.map((x) => path.basename(x.folder)).sort()).toEqual(['mgmt', 'mgmt-2']);
    expect(rows.every((x) => x.kind === 'run' && x.summary.command === 'run')).toBe(true);
  });
});

describe('compare of saved runs', () => {
  it('pairs saved runs sharing a seed and book without simulating', async () => {
    const a = at('saved-a');
    const b = at('saved-b');
    expect((await cli('run', scenario('fund-small'), '--out', a, '--workers', '0', '--no-figures')).status).toBe(0);
    expect((await cli('run', scenario('fund-large', { policy: { insuranceFund: { initialUsd: 20_000 } } }), '--out', b, '--workers', '0', '--no-figures')).status).toBe(0);
    const out = at('saved-cmp');
    const r = await cli('compare', a, path.join(b, 'results.json'), '--out', out, '--no-figures', '--json');
    expect(r.status, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary.command).toBe('compare');
    expect(summary.resumed).toBe('compared from 2 saved runs without simulating');
    const cmp = JSON.parse(readFileSync(path.join(out, 'comparison.json'), 'utf8'));
    expect(cmp.source).toBe('saved');
    expect(cmp.variants.map((v: { name: string }) => v.name)).toEqual(['fund-small', 'fund-large']);
    // the fund does not change the book: no account differs, no warning
    expect(cmp.bookDifferences).toEqual([{ variant: 'fund-large', difference: expect.objectContaining({ accountsDiffering: 0 }) }]);
    expect(cmp.warnings).toEqual([]);
    // a larger fund never leaves more bad debt on a path
    expect(cmp.differences[0].metrics['badDebtUsd.mean'].estimate).toBeLessThanOrEqual(0);
  });
  it('refuses saved runs on different seeds, or a run beside a scenario file', async () => {
    const c = at('saved-c');
    expect((await cli('run', scenario('other-seed', { seed: 99 }), '--out', c, '--workers', '0', '--no-figures')).status).toBe(0);
    const r = await cli('compare', at('saved-a'), c, '--out', at('nope'));
    expect(isOneLineUserError(r, /do not share a seed/), r.stderr).toBe(true);
    expect(existsSync(at('nope'))).toBe(false);
    const mixed = await cli('compare', at('saved-a'), scenario('x'), '--out', at('nope'));
    expect(isOneLineUserError(mixed, /scenario file while .* is a saved run/), mixed.stderr).toBe(true);
  });
});

describe('compare holds one book, and with --redraw-book warns when the variants face different books', () => {
  it('by default every policy faces the baseline\'s book: no warning, and the verdict says so', async () => {
    const out = at('books-held');
    const r = await cli('compare', scenario('mmr-low', { policy: { maintenance: { kind: 'fixed', mmr: 0.01 } } }), scenario('mmr-high', { policy: { maintenance: { kind: 'fixed', mmr: 0.04 } } }), '--out', out, '--workers', '0', '--no-figures');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/different opening book/);
    expect(r.stdout).toMatch(/Every policy faced mmr-low's opening book/);
    const cmp = JSON.parse(readFileSync(path.join(out, 'comparison.json'), 'utf8'));
    expect(cmp.bookHeld).toBe(true);
    expect(cmp.bookDifferences[0].difference.accountsDiffering).toBe(0);
  });
  it('--redraw-book: says how many accounts differ, on stderr and in the report', async () => {
    const out = at('books');
    const r = await cli('compare', scenario('mmr-low', { policy: { maintenance: { kind: 'fixed', mmr: 0.01 } } }), scenario('mmr-high', { policy: { maintenance: { kind: 'fixed', mmr: 0.04 } } }), '--out', out, '--workers', '0', '--no-figures', '--redraw-book');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/warning: mmr-high faces a different opening book from mmr-low: [\d,]+ of 200 accounts \([\d.]+%\) hold different positions or collateral/);
    expect(readFileSync(path.join(out, 'index.html'), 'utf8')).toMatch(/class="warning-box"><p><b>Warning:<\/b> mmr-high faces a different opening book/);
    expect(readFileSync(path.join(out, 'summary.md'), 'utf8')).toContain('faces a different opening book');
  });
});
