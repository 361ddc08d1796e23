/**
 * Issue 11 items 2, 3 and 8 — data files named by a scenario:
 *   - the path policy: relative to the scenario's folder and inside it (symbolic links followed),
 *     anything else only with --allow-any-path;
 *   - a malformed CSV is described by line and column, never by echoing the file (at most a short
 *     escaped excerpt of one cell);
 *   - outputs show the path relative to the scenario's folder (or a base name), never an absolute path,
 *     and `marginlab report` never opens a file named in results.json;
 *   - study resume keys hold the CSV's content hash, so an edited CSV is never mistaken for the old one;
 *   - a CSV whose timestamps span too many steps (a gap) is refused instead of allocating a huge array.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cli, isOneLineUserError } from '../helpers/cli.js';
import { loadScenarioFile, parseScenario } from '../../src/scenario/load.js';
import { excerpt, parsePriceCsv } from '../../src/scenario/price-csv.js';
import { pointKey } from '../../src/sweep/store.js';
import { portableScenario } from '../../src/scenario/data-files.js';

const ROOT = path.resolve(__dirname, '../..');
const PRICES = readFileSync(path.join(ROOT, 'test/fixtures/prices-small.csv'), 'utf8');
const tmp = () => mkdtempSync(path.join(tmpdir(), 'marginlab-data-'));
const yaml = (file: string) =>
  `name: csvtest\npaths: 2\nstepSeconds: 60\nhorizonSteps: 5\ntraders: { count: 20 }\noutput: { seriesSamplePaths: 1, seriesPoints: 5 }\nmarket:\n  priceModel: { kind: csv, file: ${JSON.stringify(file)}, mode: replay }\n`;

/** A scenario folder holding data/p.csv (with `csv` as its content) and s.yaml naming `file`. */
function folder(file: string, csv = PRICES): { dir: string; scenario: string; out: string } {
  const dir = tmp();
  mkdirSync(path.join(dir, 'data'));
  writeFileSync(path.join(dir, 'data', 'p.csv'), csv);
  writeFileSync(path.join(dir, 's.yaml'), yaml(file));
  return { dir, scenario: path.join(dir, 's.yaml'), out: path.join(dir, 'out') };
}

describe('item 3: the path policy for data files', () => {
  it('a path relative to the scenario folder and inside it is read', () => {
    const f = folder('data/p.csv');
    const s = loadScenarioFile(f.scenario);
    expect(s.market.priceModel.kind === 'csv' && s.market.priceModel.file).toBe(path.join(f.dir, 'data', 'p.csv'));
  });
  const refused: [string, (dir: string) => string][] = [
    ['an absolute path', () => '/etc/passwd'],
    ['/proc/self/environ', () => '/proc/self/environ'],
    ['a path escaping the folder', () => '../outside.csv'],
    ['a path that leaves and comes back in by another name', (d) => `../${path.basename(d)}-other/p.csv`],
  ];
  for (const [name, file] of refused) {
    it(`${name} is refused (exit 2, naming the field and the flag) and nothing is read or written`, async () => {
      const dir = tmp();
      const f = folder(file(dir));
      const r = await cli('run', f.scenario, '--out', f.out, '--workers', '0');
      expect(isOneLineUserError(r, /market\.priceModel\.file: ".*" is not allowed — a data file must be given by a path relative to the scenario file's folder/, /--allow-any-path/), r.stderr).toBe(true);
      expect(existsSync(f.out)).toBe(false);
    });
  }
  it('a symbolic link inside the folder that points outside it is refused', async () => {
    const outside = tmp();
    writeFileSync(path.join(outside, 'secret.csv'), PRICES);
    const f = folder('data/link.csv');
    symlinkSync(path.join(outside, 'secret.csv'), path.join(f.dir, 'data', 'link.csv'));
    const r = await cli('run', f.scenario, '--out', f.out, '--workers', '0');
    expect(isOneLineUserError(r, /market\.priceModel\.file: "data\/link\.csv" is not allowed/), r.stderr).toBe(true);
  });
  it('--allow-any-path reads a file elsewhere, and the outputs show only its base name', async () => {
    const outside = tmp();
    const abs = path.join(outside, 'elsewhere.csv');
    writeFileSync(abs, PRICES);
    const f = folder(abs);
    const r = await cli('run', f.scenario, '--out', f.out, '--workers', '0', '--allow-any-path', '--no-figures');
    expect(r.status, r.stderr).toBe(0);
    const text = readFileSync(path.join(f.out, 'results.json'), 'utf8');
    expect(JSON.parse(text).scenario.market.priceModel.file).toBe('elsewhere.csv');
    expect(text).not.toContain(outside);
    expect(readFileSync(path.join(f.out, 'index.html'), 'utf8')).not.toContain(outside);
  });
  it('variant overrides follow the same policy (relative to the scenario folder)', async () => {
    const f = folder('data/p.csv');
    writeFileSync(f.scenario, `${yaml('data/p.csv')}variants:\n  - { name: a }\n  - { name: b, override: { market: { priceModel: { kind: csv, file: /etc/passwd, mode: replay } } } }\n`);
    const r = await cli('compare', f.scenario, '--out', f.out, '--workers', '0');
    expect(isOneLineUserError(r, /variants\[1\] \(b\): market\.priceModel\.file: "\/etc\/passwd" is not allowed/), r.stderr).toBe(true);
  });
});

describe('item 3: a malformed CSV is described, never echoed', () => {
  it('a header that is not a header names the line only — none of its text', async () => {
    const f = folder('data/p.csv', 'AWS_SECRET_ACCESS_KEY=hunter2\u0000PATH=/usr/bin\u0000\n1,2\n');
    const r = await cli('run', f.scenario, '--out', f.out, '--workers', '0');
    expect(isOneLineUserError(r, /p\.csv line 1: the header row \(1 column\) has no column named timestamp and price/), r.stderr).toBe(true);
    expect(r.stderr).not.toMatch(/hunter2|AWS|PATH=/);
  });
  it('a bad cell is quoted in at most 40 characters, control characters escaped', () => {
    const cell = `${'A'.repeat(100)}\u0001`;
    let message = '';
    try {
      parsePriceCsv(`timestamp,price\n1700000000,100\n1700000060,x${cell}\n`, 'f.csv');
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/^f\.csv line 3: column 2: price "xA{39}…" is not allowed/);
    expect(excerpt('a\u0000b\u2028"\\')).toBe('"a\\x00b\\u{2028}\\"\\\\"');
    expect(excerpt('x'.repeat(41)).length).toBe(43);
  });
});

describe('item 3: outputs and reports never carry or follow absolute paths', () => {
  it('results.json shows the CSV as written, relative to the scenario folder', async () => {
    const f = folder('./data/../data/p.csv');
    const r = await cli('run', f.scenario, '--out', f.out, '--workers', '0', '--no-figures');
    expect(r.status, r.stderr).toBe(0);
    const text = readFileSync(path.join(f.out, 'results.json'), 'utf8');
    expect(JSON.parse(text).scenario.market.priceModel.file).toBe('data/p.csv');
    expect(text).not.toContain(f.dir);
  });
  it('`marginlab report` on a results.json naming another file does not open it', async () => {
    const f = folder('data/p.csv');
    expect((await cli('run', f.scenario, '--out', f.out, '--workers', '0', '--no-figures')).status).toBe(0);
    const file = path.join(f.out, 'results.json');
    const results = JSON.parse(readFileSync(file, 'utf8'));
    for (const named of ['/proc/self/environ', '/nonexistent/secret.csv', '/dev/zero']) {
      results.scenario.market.priceModel.file = named;
      writeFileSync(file, JSON.stringify(results));
      const r = await cli('report', file, '--no-figures');
      expect(r.status, r.stderr).toBe(0);
    }
  });
});

describe('item 2: resume keys hold the CSV contents, not its path', () => {
  it('pointKey changes when the file changes and not when it is only re-read', () => {
    const f = folder('data/p.csv');
    const a = pointKey(loadScenarioFile(f.scenario));
    expect(pointKey(loadScenarioFile(f.scenario))).toBe(a);
    writeFileSync(path.join(f.dir, 'data', 'p.csv'), PRICES.replace('101', '111'));
    expect(pointKey(loadScenarioFile(f.scenario))).not.toBe(a);
  });
  it('a sweep rerun after the CSV changed refuses to reuse the old points, naming the file hash', async () => {
    const f = folder('data/p.csv');
    const args = ['sweep', f.scenario, '--param', 'policy.maintenance.mmr=0.01,0.02', '--out', f.out, '--workers', '0', '--no-figures'];
    expect((await cli(...args)).status).toBe(0);
    const again = await cli(...args);
    expect(again.status).toBe(0);
    expect(again.stderr).toMatch(/2 resumed/);
    writeFileSync(path.join(f.dir, 'data', 'p.csv'), PRICES.replace('101', '111'));
    const changed = await cli(...args);
    expect(isOneLineUserError(changed, /changed: scenario\.market\.priceModel\.file\.sha256/, /--fresh/), changed.stderr).toBe(true);
    const fresh = await cli(...args, '--fresh');
    expect(fresh.stderr).toMatch(/0 resumed/);
    const manifest = readFileSync(path.join(f.out, 'manifest.json'), 'utf8');
    expect(manifest).not.toContain(f.dir);
  });
  it('the portable scenario (outputs) drops the absolute path; the run scenario keeps it for the workers', () => {
    const f = folder('data/p.csv');
    const s = loadScenarioFile(f.scenario);
    expect(portableScenario(s).market.priceModel).toMatchObject({ file: 'data/p.csv' });
    expect(parseScenario({ ...s, paths: 3 }).market.priceModel).toMatchObject({ file: path.join(f.dir, 'data', 'p.csv') });
  });
});

describe('item 8: a CSV cannot make the resampled history huge', () => {
  it('timestamps spanning more than 10,000,000 steps are refused, naming the file field', async () => {
    const f = folder('data/p.csv', 'timestamp,price\n0,100\n60,101\n120,102\n180,103\n240,104\n300,105\n99999999999,106\n');
    const r = await cli('run', f.scenario, '--out', f.out, '--workers', '0');
    expect(isOneLineUserError(r, /market\.priceModel\.file: "1666666666 steps" is not allowed — the prices span 1666666666 steps/, /gap/), r.stderr).toBe(true);
  });
});
