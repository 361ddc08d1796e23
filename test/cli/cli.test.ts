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
    for (const extra of [[], ['--shard', '0/2'], ['--redis', 'redis://127.0.0.1:1']]) {
      const out = path.join(tmp(), 'out');
      const t0 = Date.now();
      const r = run(['run', 'bench/small.yaml', '--out', out, '--paths', '1000000', ...extra]);
      expect(r.code, extra.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/paths: (1,000,000|500,000) paths in one process — at most 300,000 .* --shard i\/N .* merge --no-inline-paths/);
      expect(Date.now() - t0).toBeLessThan(20_000);
      expect(existsSync(out)).toBe(false);
    }
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
