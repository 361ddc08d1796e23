/**
 * The CLI end to end (compiled, as a user runs it): exit codes, one-line errors naming the field, and
 * no output written on a user's mistake.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const CLI = path.join(ROOT, 'dist/cli/main.js');

function run(args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function tmp(): string {
  return mkdtempSync(path.join(tmpdir(), 'marginlab-cli-'));
}

const VALID = readFileSync(path.join(ROOT, 'scenarios/default.yaml'), 'utf8');

function badScenario(text: string): { file: string; out: string } {
  const d = tmp();
  const file = path.join(d, 'bad.yaml');
  writeFileSync(file, text);
  return { file, out: path.join(d, 'out') };
}

describe('marginlab run — bad input exits 2 with one line naming the field, and writes nothing', () => {
  const cases: { name: string; text?: string; file?: string; expect: RegExp[] }[] = [
    { name: 'malformed YAML', text: 'name: x\nmarket: [unclosed\n', expect: [/malformed YAML/, /line \d+/] },
    { name: 'unknown field', text: VALID.replace('longShare: 0.6', 'longShare: 0.6\n  longshare: 0.5'), expect: [/traders\.longshare/, /unknown field/, /allowed here: .*longShare/] },
    { name: 'negative volatility', text: VALID.replace('longRunVolatilityAnnual: 0.358', 'longRunVolatilityAnnual: -0.3'), expect: [/market\.priceModel\.longRunVolatilityAnnual/, /-0\.3/, />0/] },
    { name: 'leverage above max', text: VALID.replace('{ leverage: 20, weight: 0.1 }', '{ leverage: 50, weight: 0.1 }'), expect: [/traders\.leverage\.tiers\[3\]\.leverage/, /50/, /policy\.maxLeverage \(20\)/] },
    { name: 'wrong kind', text: VALID.replace('kind: garch', 'kind: garhc'), expect: [/market\.priceModel/, /garhc/] },
    { name: 'missing file', file: '/nonexistent/scenario.yaml', expect: [/\/nonexistent\/scenario\.yaml/, /not found/] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const { file, out } = c.text !== undefined ? badScenario(c.text) : { file: c.file!, out: path.join(tmp(), 'out') };
      const r = run(['run', file, '--out', out, '--paths', '2']);
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).not.toMatch(/\s+at\s.+:\d+:\d+/); // no stack trace
      for (const re of c.expect) expect(r.stderr).toMatch(re);
      expect(existsSync(out)).toBe(false);
    });
  }
  it('bad flag values', () => {
    const out = path.join(tmp(), 'out');
    for (const args of [['--paths', '0'], ['--workers', 'two'], ['--seed', '-1'], ['--bogus']]) {
      const r = run(['run', 'scenarios/default.yaml', '--out', out, ...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(existsSync(out)).toBe(false);
    }
  });
  it('more paths than one process holds (issue 11 item 6: a 1,000,000-path run ran out of memory after minutes, nothing written) is refused up front, naming the limit and the shards that replace it', () => {
    // inline per-path columns: at most 300,000 paths; as columns only (--no-inline-paths, a shard): at most 2,000,000
    const cases: [string[], RegExp][] = [
      [['--paths', '1000000'], /paths: 1,000,000 paths in one process with the per-path columns inline in results\.json — at most 300,000; add --no-inline-paths .* --shard i\/N .* merge --no-inline-paths/],
      [['--paths', '1000000', '--redis', 'redis://127.0.0.1:1'], /paths: 1,000,000 paths in one process with the per-path columns inline/],
      [['--paths', '5000000', '--shard', '0/2'], /paths: 2,500,000 paths in one process — at most 2,000,000 .* --shard i\/N .* merge --no-inline-paths/],
      [['--paths', '3000000', '--no-inline-paths'], /paths: 3,000,000 paths in one process — at most 2,000,000/],
    ];
    for (const [extra, message] of cases) {
      const out = path.join(tmp(), 'out');
      const t0 = Date.now();
      const r = run(['run', 'bench/small.yaml', '--out', out, ...extra]);
      expect(r.code, extra.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(message);
      expect(Date.now() - t0).toBeLessThan(20_000);
      expect(existsSync(out)).toBe(false);
    }
  });
  it('run --no-inline-paths (issue 26: a million paths in one process) writes results.json without per-path columns, paths.parquet and paths.csv with every path, summary.md and no index.html; the figures equal a run with them inline', () => {
    const dir = tmp();
    const lean = run(['run', 'scenarios/default.yaml', '--paths', '30', '--workers', '0', '--no-inline-paths', '--out', path.join(dir, 'lean')]);
    expect(lean.code, lean.stderr).toBe(0);
    const full = run(['run', 'scenarios/default.yaml', '--paths', '30', '--workers', '0', '--no-figures', '--out', path.join(dir, 'full')]);
    expect(full.code, full.stderr).toBe(0);
    const a = JSON.parse(readFileSync(path.join(dir, 'lean', 'results.json'), 'utf8'));
    const b = JSON.parse(readFileSync(path.join(dir, 'full', 'results.json'), 'utf8'));
    expect(a.paths).toBeUndefined();
    expect(b.paths.badDebtUsd).toHaveLength(30);
    delete b.paths;
    delete a.run;
    delete b.run;
    expect(a).toEqual(b);
    expect(existsSync(path.join(dir, 'lean', 'index.html'))).toBe(false);
    expect(readFileSync(path.join(dir, 'lean', 'paths.csv'), 'utf8').trim().split('\n')).toHaveLength(31);
    expect(readFileSync(path.join(dir, 'lean', 'paths.parquet')).equals(readFileSync(path.join(dir, 'full', 'paths.parquet')))).toBe(true);
  });
});

describe('marginlab run — success', () => {
  it('writes results.json and index.html, and --json prints the summary with CIs', () => {
    const out = path.join(tmp(), 'out');
    const r = run(['run', 'scenarios/default.yaml', '--out', out, '--paths', '6', '--workers', '1', '--json', '--seed', '9']);
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary.command).toBe('run');
    expect(summary.out).toBe(out);
    expect(summary.paths).toBe(6);
    expect(summary.seed).toBe(9);
    expect(summary.details.meanBadDebtUsd).toMatchObject({ estimate: expect.any(Number), lower: expect.any(Number), n: 6, level: 0.95 });
    expect(summary.figures.find((f: { key: string }) => f.key === 'probBadDebt')).toMatchObject({ estimate: expect.any(Number), lower: expect.any(Number), upper: expect.any(Number) });
    // 6 paths cannot bound the 99% tail: ES99 says so, with the paths it rests on and the paths it would need
    expect(summary.details.badDebtEs99Usd).toMatchObject({ upper: null, tail: { paths: 1, thin: true } });
    expect(summary.details.badDebtEs99Usd.tail.pathsNeeded).toBeGreaterThanOrEqual(1000);
    expect(summary.details.badDebtEs99Usd.note).toMatch(/needs ≥/);
    expect(summary.figures.find((f: { key: string }) => f.key === 'badDebtUsd.es99')).toMatchObject({ upper: null, text: expect.stringMatching(/to open\).*thin: rests on 1 tail path/) });
    expect(summary.details.sampling).toMatchObject({ design: 'books', books: 3, pathsPerBook: 2, marketStates: 'averaged over books' }); // 6 paths: 3 books of 2 by default
    const results = JSON.parse(readFileSync(path.join(out, 'results.json'), 'utf8'));
    expect(results.format).toBe('marginlab.results/1');
    expect(results.scenario.paths).toBe(6);
    expect(results.scenario.traders.topUp.reactionDelaySteps).toBe(5); // defaults filled in
    expect(results.paths.badDebtUsd).toHaveLength(6);
    expect(existsSync(path.join(out, 'index.html'))).toBe(true);
  });
  it('without --json, the scorecard gives each tail figure with the paths it rests on and marks thin ones', () => {
    const out = path.join(tmp(), 'out');
    const r = run(['run', 'scenarios/default.yaml', '--out', out, '--paths', '6', '--workers', '1', '--seed', '9', '--no-figures']);
    expect(r.code, r.stderr).toBe(0);
    const line = r.stdout.split('\n').find((l) => l.trim().startsWith('bad-debt ES 99%'))!;
    expect(line).toMatch(/\(95% CI \$[\d,]+ to open\); thin: rests on 1 tail path, \d+ non-zero — needs ≥ [\d,]+ paths/);
  });
  it('--version and --help exit 0', () => {
    expect(run(['--version']).code).toBe(0);
    expect(run(['--help']).code).toBe(0);
  });
});
