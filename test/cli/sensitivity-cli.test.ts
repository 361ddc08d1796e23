/**
 * `marginlab sensitivity` behaves like the other study commands, through the CLI in-process:
 * - `--json` prints the summary every command prints (the same top-level fields as `run --json`), and
 *   without it stdout is the verdict alone, as before;
 * - sensitivity.json carries its format tag, so `marginlab list` shows the folder with its headline and
 *   `marginlab report` rebuilds index.html and summary.md from it without re-simulating, leaving it alone;
 * - a damaged sensitivity.json is one line and exit 2, nothing written.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cli, isOneLineUserError } from '../helpers/cli.js';

const SCENARIO = path.resolve(__dirname, '../fixtures/shard-small.yaml');
const ARGS = ['--lever', 'policy.maintenance.mmr=0.01', '--metric', 'fractionTradersLiquidated.mean', '--paths', '8', '--workers', '0', '--no-figures'];

let dir: string;
let out: string;
let summary: Record<string, unknown> & { figures: { key: string }[]; verdict: string };

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'marginlab-sens-cli-'));
  out = path.join(dir, 'sens');
  const r = await cli('sensitivity', SCENARIO, ...ARGS, '--out', out, '--json');
  expect(r.status, r.stderr).toBe(0);
  summary = JSON.parse(r.stdout);
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('marginlab sensitivity --json', () => {
  it('prints the summary every command prints: the same top-level fields as run --json, command "sensitivity"', async () => {
    const run = await cli('run', SCENARIO, '--paths', '8', '--workers', '0', '--no-figures', '--out', path.join(dir, 'run'), '--json');
    expect(run.status, run.stderr).toBe(0);
    const runKeys = Object.keys(JSON.parse(run.stdout)).sort();
    // `tables` is optional in Summary (recommend has it too): sensitivity's is the lever table
    expect(Object.keys(summary).filter((k) => k !== 'tables').sort()).toEqual(runKeys);
    expect(summary).toMatchObject({ format: 'marginlab.summary/1', command: 'sensitivity', name: 'shard-small', out, paths: 8, seed: 21 });
    expect(summary.verdict).toMatch(/^Mean fraction of traders liquidated is [\d.]+% at the scenario's values \(8 paths\)\./);
    expect(summary.figures.map((f) => f.key)).toEqual(['fractionTradersLiquidated.mean', 'policy.maintenance.mmr.down', 'policy.maintenance.mmr.up']);
    expect(JSON.parse(readFileSync(path.join(out, 'sensitivity.json'), 'utf8')).format).toBe('marginlab.sensitivity/1');
  });

  it('without --json stdout is the verdict alone, one line (the saved variants are reused)', async () => {
    const r = await cli('sensitivity', SCENARIO, ...ARGS, '--out', out);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe(`${summary.verdict}\n`);
    expect(r.stderr).toMatch(/wrote .*sensitivity\.json/);
  });
});

describe('list and report know a sensitivity folder', () => {
  it('marginlab list shows it with its kind, paths and verdict; --json gives its summary', async () => {
    const r = await cli('list', dir);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/sens\s+sensitivity\s+\d{4}-\d\d-\d\d \d\d:\d\d\s+8 paths\s+Mean fraction of traders liquidated is/);
    const j = await cli('list', dir, '--json');
    const rows = JSON.parse(j.stdout) as { folder: string; kind: string; summary: { command: string; verdict: string } }[];
    const row = rows.find((x) => x.folder === out);
    expect(row).toMatchObject({ kind: 'sensitivity', summary: { command: 'sensitivity', verdict: summary.verdict } });
  });

  it('marginlab report rebuilds index.html and summary.md from sensitivity.json, which is left alone', async () => {
    const saved = readFileSync(path.join(out, 'sensitivity.json'), 'utf8');
    const md = readFileSync(path.join(out, 'summary.md'), 'utf8');
    expect(md).toMatch(/^# Sensitivity: shard-small\n/);
    expect(md).toMatch(/^\| maintenance margin rate \| 2\.5% \|/m);
    rmSync(path.join(out, 'index.html'));
    rmSync(path.join(out, 'summary.md'));
    const r = await cli('report', out, '--no-figures', '--json');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain(`sensitivity report rebuilt from ${path.join(out, 'sensitivity.json')}`);
    expect(JSON.parse(r.stdout)).toMatchObject({ command: 'sensitivity', verdict: summary.verdict, out });
    expect(readFileSync(path.join(out, 'index.html'), 'utf8')).toContain('id="chart-tornado"');
    expect(readFileSync(path.join(out, 'summary.md'), 'utf8')).toBe(md);
    expect(readFileSync(path.join(out, 'sensitivity.json'), 'utf8')).toBe(saved);
  });

  it('a damaged sensitivity.json, or one of another format, is one line and exit 2, nothing written', async () => {
    const bad = path.join(dir, 'bad-sens');
    mkdirSync(bad);
    writeFileSync(path.join(bad, 'sensitivity.json'), JSON.stringify({ format: 'marginlab.sensitivity/1', marginlabVersion: '0', scenarioName: 'x', levers: 'x' }));
    const r = await cli('report', bad);
    expect(isOneLineUserError(r, /sensitivity\.json: field "/), r.stderr).toBe(true);
    writeFileSync(path.join(bad, 'sensitivity.json'), JSON.stringify({ format: 'marginlab.comparison/1' }));
    const other = await cli('report', bad);
    expect(isOneLineUserError(other, /sensitivity\.json: not a marginlab sensitivity file \(format "marginlab\.comparison\/1"; expected format "marginlab\.sensitivity\/1"\)/), other.stderr).toBe(true);
    expect(readdirSync(bad)).toEqual(['sensitivity.json']);
    // list shows it as unreadable rather than stopping
    const list = await cli('list', dir);
    expect(list.status, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/bad-sens\s+sensitivity\s+.*unreadable: .*sensitivity\.json: not a marginlab sensitivity file/);
  });
});
