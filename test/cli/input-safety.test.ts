/**
 * Issue 11 regressions at the command line (in-process `main()`): each bad input below exits 2 with
 * one line naming the field or flag, writes nothing, and is refused before any simulation.
 *   item 1  — names made of dots (`..`, `.`) would make the report folder the working directory or reports/
 *   item 9  — a YAML alias bomb
 *   item 11 — --out at a file, or <out>/figures a file: refused before simulating
 *   item 14 — --workers above 4 × the cores
 *   item 16 — /dev/zero and oversized files, --out under /proc
 *   item 21 — NaN/Infinity printed as such, duplicate keys named, no command → usage and exit 2
 *   item 4  — a rerun replaces the folder as a whole (stale figures gone with --no-figures)
 */
import { describe, expect, it, vi } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cli, isOneLineUserError } from '../helpers/cli.js';
import { defaultOutDir } from '../../src/cli/args.js';

const tmp = () => mkdtempSync(path.join(tmpdir(), 'marginlab-safety-'));
const SMALL = 'name: s\npaths: 3\nhorizonSteps: 10\ntraders: { count: 20 }\noutput: { seriesSamplePaths: 1, seriesPoints: 5 }\n';
/** A scenario that would take minutes to simulate: refusing it in under a few seconds shows the check came first. */
const SLOW = 'name: slow\npaths: 200000\nhorizonSteps: 1440\ntraders: { count: 100000 }\n';

function scenario(text: string, name = 's.yaml'): { dir: string; file: string; out: string } {
  const dir = tmp();
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return { dir, file, out: path.join(dir, 'out') };
}

describe('item 1: a scenario name cannot make the report folder escape reports/', () => {
  for (const name of ['..', '.', '...']) {
    it(`name: ${JSON.stringify(name)} exits 2 naming the field`, async () => {
      const s = scenario(SMALL.replace('name: s', `name: "${name}"`));
      const r = await cli('run', s.file, '--workers', '0');
      expect(isOneLineUserError(r, /: name: "\.+" is not allowed/, /only of dots/), r.stderr).toBe(true);
    });
  }
  it('the default folder is always strictly inside reports/', () => {
    expect(defaultOutDir('default')).toBe(path.join('reports', 'default'));
    expect(defaultOutDir('x', '-sweep')).toBe(path.join('reports', 'x-sweep'));
    for (const bad of ['..', '.', '', '../x', 'a/b']) expect(() => defaultOutDir(bad)).toThrow(/must be a folder inside reports/);
  });
});

describe('item 9 and 21: YAML problems are one line', () => {
  it('an alias bomb exits 2 with one line, no trace', async () => {
    let text = 'a: &a ["x","x","x","x","x","x","x","x","x"]\n';
    for (let i = 0; i < 9; i++) {
      const c = String.fromCharCode(98 + i);
      const p = String.fromCharCode(97 + i);
      text += `${c}: &${c} [${Array(9).fill(`*${p}`).join(',')}]\n`;
    }
    const s = scenario(text);
    const r = await cli('run', s.file, '--out', s.out);
    expect(isOneLineUserError(r, /malformed YAML/, /alias/), r.stderr).toBe(true);
    expect(existsSync(s.out)).toBe(false);
  });
  it('an alias used inside its own anchor (a value containing itself) is refused, not a crash', async () => {
    const s = scenario('name: s\ntraders: &t\n  count: 10\n  topUp:\n    share: *t\n');
    const r = await cli('run', s.file, '--out', s.out);
    expect(isOneLineUserError(r, /traders\.topUp\.share: not allowed — the value contains itself/), r.stderr).toBe(true);
  });
  it('a duplicate key is named, with its line', async () => {
    const s = scenario(`${SMALL}horizonSteps: 20\n`);
    const r = await cli('run', s.file, '--out', s.out);
    expect(isOneLineUserError(r, /line 6, column 1/, /the key "horizonSteps" appears twice/), r.stderr).toBe(true);
  });
  it('NaN, Infinity and -0 print as such, not as null', async () => {
    for (const [yaml, shown] of [
      ['.nan', 'NaN'],
      ['.inf', 'Infinity'],
      ['-.inf', '-Infinity'],
      ['1e999', 'Infinity'],
    ]) {
      const s = scenario(`${SMALL}policy: { maxLeverage: ${yaml} }\n`);
      const r = await cli('run', s.file, '--out', s.out);
      expect(isOneLineUserError(r, new RegExp(`policy\\.maxLeverage: ${shown.replace('-', '\\-')} is not allowed`)), r.stderr).toBe(true);
      expect(r.stderr).not.toMatch(/null/);
    }
    const s = scenario(`${SMALL}policy: { waterfall: { afterInsuranceFund: [.nan, -0] } }\n`);
    const r = await cli('run', s.file, '--out', s.out);
    expect(r.stderr).toMatch(/\[NaN,-0\]/);
  });
  it('a scenario that is not a mapping is refused without echoing its contents', async () => {
    const s = scenario('SECRET_TOKEN=abc123\u0000OTHER=1\n');
    const r = await cli('run', s.file, '--out', s.out);
    expect(isOneLineUserError(r, /expected a mapping of scenario fields/, /got a text of \d+ characters/), r.stderr).toBe(true);
    expect(r.stderr).not.toMatch(/SECRET|abc123/);
  });
  it('no command prints the usage and exits 2', async () => {
    const r = await cli();
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/no command given/);
    expect(r.stderr).toMatch(/Usage: marginlab/);
    expect(r.stderr).toMatch(/run \[options\] <scenario>/);
  });
});

describe('item 11: --out problems are found before simulating', () => {
  it('--out at an existing file: run, sweep, calibrate and compare exit 2 at once', async () => {
    const s = scenario(SLOW);
    const f = path.join(s.dir, 'a-file');
    writeFileSync(f, 'mine');
    const runs = [
      ['run', s.file, '--out', f],
      ['sweep', s.file, '--param', 'policy.maintenance.mmr=0.01,0.02', '--out', f],
      ['calibrate', s.file, '--param', 'policy.maintenance.mmr', '--range', '0.01..0.04', '--target', 'probBadDebt <= 1%', '--out', f],
      ['compare', s.file, s.file, '--out', f],
    ];
    for (const args of runs) {
      const t0 = Date.now();
      const r = await cli(...args, '--workers', '0');
      expect(isOneLineUserError(r, /a-file: is a file, expected a folder/), `${args[0]}: ${r.stderr}`).toBe(true);
      expect(Date.now() - t0, args[0]).toBeLessThan(10_000);
    }
    expect(readFileSync(f, 'utf8')).toBe('mine');
  });
  it('<out>/figures being a file, and a folder of other files, are refused before simulating', async () => {
    const s = scenario(SLOW);
    mkdirSync(s.out);
    writeFileSync(path.join(s.out, 'figures'), '');
    let r = await cli('run', s.file, '--out', s.out, '--workers', '0');
    expect(isOneLineUserError(r, /figures is a file, where the output needs a folder/), r.stderr).toBe(true);
    const mine = path.join(s.dir, 'mine');
    mkdirSync(mine);
    writeFileSync(path.join(mine, 'index.html'), 'x');
    writeFileSync(path.join(mine, 'thesis.tex'), 'x');
    r = await cli('run', s.file, '--out', mine, '--workers', '0');
    expect(isOneLineUserError(r, /holds files marginlab did not write \(e\.g\. "thesis\.tex"\)/), r.stderr).toBe(true);
    expect(readFileSync(path.join(mine, 'index.html'), 'utf8')).toBe('x');
  });
});

describe('item 14: --workers is capped at 4 × the cores', () => {
  it('says the cap and why', async () => {
    const s = scenario(SMALL);
    const r = await cli('run', s.file, '--workers', '1024', '--out', s.out);
    expect(r.status).toBe(2);
    expect(r.lines).toHaveLength(1);
    expect(r.stderr).toMatch(/--workers: "1024" is not allowed — expected a whole number from 0 to \d+ \(4 × the \d+ available cores?/);
    expect(existsSync(s.out)).toBe(false);
  });
});

describe('item 16: files are capped and must be regular files', () => {
  it('/dev/zero as the scenario exits 2 at once', async () => {
    const r = await cli('run', '/dev/zero');
    expect(isOneLineUserError(r, /\/dev\/zero: is not a regular file/), r.stderr).toBe(true);
  });
  it('/dev/zero as the CSV (even with --allow-any-path) exits 2 at once', async () => {
    const s = scenario(`${SMALL}market: { priceModel: { kind: csv, file: /dev/zero } }\n`);
    const r = await cli('run', s.file, '--allow-any-path', '--out', s.out);
    expect(isOneLineUserError(r, /market\.priceModel\.file: \/dev\/zero: is not a regular file/), r.stderr).toBe(true);
  });
  it('a scenario over 1 MiB is refused before parsing', async () => {
    const s = scenario(`${SMALL}description: "${'x'.repeat(1.2 * 1024 * 1024)}"\n`);
    const t0 = Date.now();
    const r = await cli('run', s.file, '--out', s.out);
    expect(isOneLineUserError(r, /the scenario file is larger than the 1 MiB allowed/), r.stderr).toBe(true);
    expect(Date.now() - t0).toBeLessThan(2000);
  });
  it('--out under /proc exits 2 at once instead of spinning', async () => {
    const s = scenario(SMALL);
    const t0 = Date.now();
    const r = await cli('run', s.file, '--out', '/proc/marginlab-x/y', '--workers', '0');
    expect(isOneLineUserError(r, /--out \/proc\/marginlab-x\/y: cannot write the output folder/), r.stderr).toBe(true);
    expect(Date.now() - t0).toBeLessThan(5000);
  });
});

describe('item 4: a rerun replaces the output folder as a whole', () => {
  it('a run with --no-figures removes the figures of an earlier run; no temporary is left', async () => {
    const s = scenario(SMALL);
    expect((await cli('run', s.file, '--out', s.out, '--workers', '0')).status).toBe(0);
    expect(readdirSync(path.join(s.out, 'figures')).length).toBeGreaterThan(0);
    expect((await cli('run', s.file, '--out', s.out, '--workers', '0', '--no-figures', '--force')).status).toBe(0);
    expect(readdirSync(s.out).sort()).toEqual(['index.html', 'paths.csv', 'paths.parquet', 'results.json', 'summary.md']);
    expect(readdirSync(s.dir).sort()).toEqual(['out', 's.yaml']);
  });
});

describe('issue 25 item 7: the YAML library prints no warnings of its own', () => {
  it('an unresolved tag (!foo) and a complex key are refused in one line, with no "(node) Warning" beside it', async () => {
    const emitted: string[] = [];
    const spy = vi.spyOn(process, 'emitWarning').mockImplementation((w: string | Error) => {
      emitted.push(String(w));
    });
    try {
      const tag = scenario(`${SMALL}description: !foo x\n`);
      const r1 = await cli('run', tag.file, '--out', tag.out);
      expect(isOneLineUserError(r1, /line 6, column 14: Unresolved tag: !foo — write plain values, without tags/), r1.stderr).toBe(true);
      const key = scenario(`${SMALL}? [a, b]\n: 1\n`);
      const r2 = await cli('run', key.file, '--out', key.out);
      expect(r2.status).toBe(2);
      expect(r2.lines).toHaveLength(1);
      expect(existsSync(key.out)).toBe(false);
    } finally {
      spy.mockRestore();
    }
    expect(emitted).toEqual([]);
  });
});

describe('issue 25 item 4: nothing from a scenario reaches the terminal raw', () => {
  /** Any control character other than the newline ending a line (an escape sequence starts with \x1b; a title ends with \x07). */
  const RAW = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e]/;
  const ESC = '\u001b';
  const cases: [string, string][] = [
    ['a data-file path', `${SMALL}market:\n  priceModel: { kind: csv, file: "data/${ESC}[31mRED${ESC}[0m${ESC}]0;pwned\\a.csv" }\n`],
    ['an unknown key', `${SMALL}"x${ESC}[31m": 1\n`],
    ['a scenario name', `${SMALL.replace('name: s', `name: "s${ESC}]0;pwned\\a"`)}`],
    ['a value', `${SMALL}seed: "${ESC}[2J"\n`],
  ];
  for (const [what, text] of cases) {
    it(`${what} with escape sequences is refused in one line, every control character escaped`, async () => {
      const s = scenario(text);
      const r = await cli('run', s.file, '--out', s.out);
      expect(r.status).toBe(2);
      expect(r.lines).toHaveLength(1);
      expect(RAW.test(r.stderr.slice(0, -1)), JSON.stringify(r.stderr)).toBe(false);
      expect(r.stderr).toMatch(/\\x1b|\\u001b/);
    });
  }
  it('an unknown flag with an escape sequence is echoed escaped by the argument parser too', async () => {
    const r = await cli('run', `--x${ESC}[31m`);
    expect(r.status).not.toBe(0);
    expect(RAW.test(r.stderr.replace(/\n/g, '')), JSON.stringify(r.stderr)).toBe(false);
  });
});

describe('issue 25 item 6: amounts below what the engine represents are refused, not silently raised', () => {
  for (const [what, col, pattern] of [
    ['a lognormal median below $1', '{ kind: lognormal, medianUsd: 0.000000001, sigmaLog: 1 }', /traders\.collateralUsd\.medianUsd: 1e-9 is not allowed — at least \$1 is allowed/],
    ['a Pareto minimum below $1', '{ kind: pareto, minUsd: 0.5, alpha: 1.5 }', /traders\.collateralUsd\.minUsd: 0\.5 is not allowed — at least \$1/],
  ] as const) {
    it(`${what} exits 2 naming the field and the floor`, async () => {
      const s = scenario(`${SMALL.replace('traders: { count: 20 }', `traders: { count: 20, collateralUsd: ${col} }`)}`);
      const r = await cli('run', s.file, '--out', s.out);
      expect(isOneLineUserError(r, pattern), r.stderr).toBe(true);
      expect(existsSync(s.out)).toBe(false);
    });
  }
});

describe('issue 25 items 1 and 2: every command checks every study block, and names the file and field', () => {
  const blocks: [string, string, RegExp][] = [
    ['a reversed sweep range', 'sweep: { params: [ { path: policy.maintenance.mmr, start: 0.02, stop: 0.01, step: 0.005 } ] }', /s\.yaml: sweep\.params\[0\]: empty range 0\.02:0\.01:0\.005/],
    ['a sweep value the schema refuses', 'sweep: { params: [ { path: policy.maintenance.mmr, values: [0.01, 0] } ] }', /s\.yaml: sweep value policy\.maintenance\.mmr=0: policy\.maintenance\.mmr: 0 is not allowed/],
    ['a calibration range starting at an MMR of 0', "calibrate: { param: policy.maintenance.mmr, range: [0, 0.05], target: 'probBadDebt <= 0.01' }", /s\.yaml: calibrate\.range value policy\.maintenance\.mmr=0: policy\.maintenance\.mmr: 0 is not allowed/],
    ['a reversed calibration range', "calibrate: { param: policy.maintenance.mmr, range: [0.02, 0.01], target: 'probBadDebt <= 0.01' }", /s\.yaml: calibrate\.range: \[0\.02, 0\.01\]: empty range/],
    ['an unknown calibration parameter', "calibrate: { param: policy.nope, range: [0.01, 0.02], target: 'probBadDebt <= 0.01' }", /s\.yaml: calibrate\.param "policy\.nope": is not a numeric field/],
    ['a calibration target that is not one', 'calibrate: { param: policy.maintenance.mmr, range: [0.01, 0.02], target: nonsense }', /s\.yaml: calibrate\.target "nonsense": expected "<metric> <= <value>"/],
  ];
  for (const [what, block, pattern] of blocks) {
    it(`${what}: run exits 2 naming the file and the block's field, never a flag, and writes nothing`, async () => {
      const s = scenario(`${SMALL}${block}\n`);
      const r = await cli('run', s.file, '--out', s.out);
      expect(isOneLineUserError(r, pattern), r.stderr).toBe(true);
      expect(r.stderr).not.toMatch(/--range|--param|--target/);
      expect(existsSync(s.out)).toBe(false);
    });
  }
  it('a flag is still named as the flag', async () => {
    const s = scenario(SMALL);
    const r = await cli('calibrate', s.file, '--out', s.out, '--param', 'policy.maintenance.mmr', '--range', '0.02..0.01', '--target', 'probBadDebt <= 0.01');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--range|0\.02\.\.0\.01/);
  });
});

describe('issue 25 item 3: the message names the field the user wrote', () => {
  it('depthUsdPerPercent: 1e308 is refused as itself, not as the arbitrage default derived from it', async () => {
    const s = scenario(`${SMALL}market: { impact: { kind: linear, depthUsdPerPercent: 1e308 } }\n`);
    const r = await cli('run', s.file, '--out', s.out);
    expect(isOneLineUserError(r, /market\.impact\.depthUsdPerPercent: 1e\+308 is not allowed/), r.stderr).toBe(true);
    expect(r.stderr).not.toMatch(/arbitrageUsdPerStep/);
  });
  it('inside a variants: block the value is printed as written, not as null', async () => {
    const s = scenario(`${SMALL}variants:\n  - { name: a, override: { market: { impact: { depthUsdPerPercent: 1e308 } } } }\n  - { name: b }\n`);
    const r = await cli('run', s.file, '--out', s.out);
    expect(isOneLineUserError(r, /variants\[0\] \(a\): market\.impact\.depthUsdPerPercent: 1e\+308 is not allowed/), r.stderr).toBe(true);
    expect(r.stderr).not.toMatch(/null|arbitrageUsdPerStep/);
  });
});
