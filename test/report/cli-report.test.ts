/**
 * `marginlab report <results.json>` end to end (the compiled CLI): rebuilds index.html and figures
 * from saved results without re-simulating; bad input exits 2 with one line and writes nothing.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { resultsJson } from '../../src/report/write.js';
import { syntheticResults } from './fixture.js';

const ROOT = path.resolve(__dirname, '../..');
const CLI = path.join(ROOT, 'dist/cli/main.js');

function run(args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const tmp = () => mkdtempSync(path.join(tmpdir(), 'marginlab-report-'));

describe('marginlab report', () => {
  it('rebuilds index.html and one SVG per chart from a saved results.json, leaving results.json alone', () => {
    const dir = tmp();
    const file = path.join(dir, 'results.json');
    const json = resultsJson(syntheticResults({ paths: 300, badDebtShare: 0.2 }));
    writeFileSync(file, json);
    const r = run(['report', file]);
    expect(r.stderr).toMatch(/report rebuilt/);
    expect(r.code).toBe(0);
    expect(readFileSync(path.join(dir, 'index.html'), 'utf8')).toContain('id="chart-bad-debt-histogram"');
    expect(readdirSync(path.join(dir, 'figures')).sort()).toEqual(
      ['bad-debt-histogram', 'cascade-ccdf', 'cascade-generations', 'cascade-impact', 'cumulative-liquidations', 'drilldown', 'insurance-fund', 'liquidations-over-time', 'price-fan', 'waterfall-paths', 'waterfall-shares'].map(
        (x) => `${x}.svg`,
      ),
    );
    expect(readFileSync(file, 'utf8')).toBe(json);
  });

  it('--out writes the report to another folder', () => {
    const dir = tmp();
    const file = path.join(dir, 'results.json');
    writeFileSync(file, resultsJson(syntheticResults({ paths: 50 })));
    const out = path.join(dir, 'elsewhere');
    expect(run(['report', file, '--out', out]).code).toBe(0);
    expect(existsSync(path.join(out, 'index.html'))).toBe(true);
    expect(existsSync(path.join(dir, 'index.html'))).toBe(false);
  });

  const bad: { name: string; content?: string; expect: RegExp }[] = [
    { name: 'a missing file', expect: /no such file/ },
    { name: 'text that is not JSON', content: 'not json\nat all', expect: /not valid JSON/ },
    { name: 'a JSON array', content: '[1,2]', expect: /expected a JSON object/ },
    { name: 'JSON without a format field', content: '{"scenario":{}}', expect: /no "format" field.*marginlab\.results\/1/ },
    { name: 'a sweep file', content: '{"format":"marginlab.sweep/1"}', expect: /format "marginlab\.sweep\/1"/ },
    { name: 'results missing a field', content: '{"format":"marginlab.results/1","marginlabVersion":"0.1.0","seed":1}', expect: /field "scenario" must be a JSON object/ },
  ];
  for (const c of bad) {
    it(`${c.name}: exit 2, one line naming the file, nothing written`, () => {
      const dir = tmp();
      const file = path.join(dir, 'results.json');
      if (c.content !== undefined) writeFileSync(file, c.content);
      const out = path.join(dir, 'out');
      mkdirSync(out);
      const r = run(['report', file, '--out', out]);
      expect(r.code).toBe(2);
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(r.stderr).toContain(file);
      expect(r.stderr).toMatch(c.expect);
      expect(r.stderr).not.toMatch(/\bat .*\.js:\d+/);
      expect(readdirSync(out)).toEqual([]);
    });
  }

  it('a results.json whose scenario this version rejects is a user error too', () => {
    const dir = tmp();
    const file = path.join(dir, 'results.json');
    const r = syntheticResults({ paths: 20 });
    writeFileSync(file, JSON.stringify({ ...r, scenario: { ...r.scenario, paths: -3 } }));
    const res = run(['report', file]);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/paths/);
    expect(existsSync(path.join(dir, 'index.html'))).toBe(false);
  });
});
