/** `run --set path=value`: any scenario field for one run, the same result as the edited file; bad settings refused in one line. */
import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cli, isOneLineUserError } from '../helpers/cli.js';

const SMALL = 'name: s\npaths: 4\nhorizonSteps: 30\ntraders: { count: 60 }\noutput: { seriesSamplePaths: 1, seriesPoints: 5 }\npolicy: { maintenance: { kind: fixed, mmr: 0.02 } }\n';

function folder(text: string) {
  const dir = mkdtempSync(path.join(tmpdir(), 'marginlab-set-'));
  const file = path.join(dir, 's.yaml');
  writeFileSync(file, text);
  return { file, out: (n: string) => path.join(dir, n) };
}
const results = (out: string) => {
  const r = JSON.parse(readFileSync(path.join(out, 'results.json'), 'utf8'));
  delete r.run;
  return r;
};

describe('run --set path=value', () => {
  it('gives the same results as the scenario file edited to the same values (a number, a word, an object)', async () => {
    const a = folder(SMALL);
    const r1 = await cli('run', a.file, '--out', a.out('set'), '--no-figures', '--workers', '0', '--set', 'policy.maintenance.mmr=0.03', '--set', 'policy.liquidation={ kind: partial }', '--set', 'traders.longShare=0.7');
    expect(r1.status, r1.stderr).toBe(0);
    const b = folder(SMALL.replace('mmr: 0.02 } }', 'mmr: 0.03 }, liquidation: { kind: partial } }').replace('traders: { count: 60 }', 'traders: { count: 60, longShare: 0.7 }'));
    const r2 = await cli('run', b.file, '--out', b.out('edited'), '--no-figures', '--workers', '0');
    expect(r2.status, r2.stderr).toBe(0);
    const x = results(a.out('set'));
    const y = results(b.out('edited'));
    expect(x.scenario.policy.maintenance.mmr).toBe(0.03);
    expect(x.scenario.policy.liquidation.kind).toBe('partial');
    expect(x).toEqual(y);
  });
  it('refuses a setting that is not path=value, an unknown field, a wrong type and a malformed value — one line, nothing written', async () => {
    const a = folder(SMALL);
    const cases: [string, RegExp][] = [
      ['policy', /--set "policy": expected path=value/],
      ['policy.nope=1', /with --set policy\.nope: policy\.nope: unknown field \(allowed here: maxLeverage/],
      ['policy.maintenance.mmr=abc', /policy\.maintenance\.mmr: "abc" is not allowed — invalid input: expected number/],
      ['seed=[1', /--set "seed=\[1": the value is not a plain YAML value/],
      ['name.x=1', /--set name\.x: name is "s", not an object/],
    ];
    for (const [set, pattern] of cases) {
      const r = await cli('run', a.file, '--out', a.out('bad'), '--set', set);
      expect(isOneLineUserError(r, pattern), `${set}: ${r.stderr}`).toBe(true);
      expect(existsSync(a.out('bad'))).toBe(false);
    }
  });
});
