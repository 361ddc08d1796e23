/**
 * Studies say where they write before simulating, and Ctrl-C says what was kept (issue 23 item 8): the built
 * CLI (dist/) runs a sweep as a child process; its first stderr line names the output folder before any path
 * runs; SIGINT ends it with exit 130 and one line giving the finished chunks kept and the command that
 * resumes; that command, run again, finishes from them and says how many it reused. Without --out, a study
 * never rewrites a finished study's folder: the next one goes to reports/<name>-sweep-2, and says so.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');
const CLI = path.join(ROOT, 'dist/cli/main.js');
const dir = mkdtempSync(path.join(tmpdir(), 'marginlab-interrupt-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const scenarioFile = path.join(dir, 'slow.yaml');
writeFileSync(
  scenarioFile,
  `name: slow
seed: 9
paths: 400
horizonSteps: 240
market: { priceModel: { kind: gbm, volatilityAnnual: 1.2 }, impact: { kind: linear, depthUsdPerPercent: 500000 } }
traders: { count: 300 }
policy: { maxLeverage: 20, insuranceFund: { initialUsd: 2000 } }
output: { seriesSamplePaths: 1, seriesPoints: 2 }
`,
);

describe('a study names its folder first, and Ctrl-C says what was kept and how to resume', () => {
  it('sweep: "writing to" before simulating; SIGINT → exit 130 and one line; the printed command resumes', async () => {
    const out = path.join(dir, 'sw');
    const args = [CLI, 'sweep', scenarioFile, '--param', 'policy.maintenance.mmr=0.01,0.015,0.02,0.025,0.03,0.035,0.04', '--workers', '1', '--out', out, '--no-figures'];
    const child = spawn(process.execPath, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let resolveStart: () => void;
    const started = new Promise<void>((r) => (resolveStart = r));
    child.stderr.on('data', (d) => {
      stderr += String(d);
      if (stderr.includes('writing to')) resolveStart();
    });
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    await started;
    expect(stderr.split('\n')[0]).toBe(`sweep of slow: writing to ${out}`);
    // let some points finish, then interrupt
    const t0 = Date.now();
    while (Date.now() - t0 < 60_000) {
      let n = 0;
      try {
        n = readdirSync(path.join(out, 'points')).filter((f) => f.endsWith('.json')).length;
      } catch {
        n = 0;
      }
      if (n >= 1) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    const last = stderr.trimEnd().split('\n').pop()!;
    const m = /^interrupted: (\d+) finished chunks? kept in (.*); resume with: marginlab (.*)$/.exec(last);
    expect(m, stderr).not.toBeNull();
    expect(Number(m![1])).toBeGreaterThanOrEqual(1);
    expect(m![2]).toBe(out);
    expect(m![3]).toBe(args.slice(1).join(' '));
    // the printed command resumes from what was kept
    const again = spawnSync(process.execPath, [CLI, ...m![3].split(' ')], { cwd: dir, encoding: 'utf8' });
    expect(again.status, again.stderr).toBe(0);
    expect(again.stderr.split('\n')[0]).toMatch(new RegExp(`^sweep of slow: writing to ${out.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}, resuming from \\d+ finished chunks? saved there$`));
  }, 180_000);

  it('without --out: a finished study’s folder is not rewritten — the same sweep again goes to reports/<name>-sweep-2, and says so first', () => {
    const cwd = mkdtempSync(path.join(dir, 'cwd-'));
    const args = [CLI, 'sweep', scenarioFile, '--param', 'policy.maintenance.mmr=0.02,0.03', '--paths', '4', '--workers', '1', '--no-figures'];
    const first = spawnSync(process.execPath, args, { cwd, encoding: 'utf8' });
    expect(first.status, first.stderr).toBe(0);
    expect(first.stderr.split('\n')[0]).toBe('sweep of slow: writing to reports/slow-sweep');
    const before = readFileSync(path.join(cwd, 'reports/slow-sweep/sweep.json'));
    const second = spawnSync(process.execPath, args, { cwd, encoding: 'utf8' });
    expect(second.status, second.stderr).toBe(0);
    expect(second.stderr.split('\n').slice(0, 2)).toEqual([
      'reports/slow-sweep holds a finished study; writing reports/slow-sweep-2 (pass --out reports/slow-sweep to reuse its points, or --out reports/slow-sweep --fresh to replace it)',
      'sweep of slow: writing to reports/slow-sweep-2',
    ]);
    expect(readFileSync(path.join(cwd, 'reports/slow-sweep/sweep.json')).equals(before)).toBe(true);
    const a = JSON.parse(before.toString());
    const b = JSON.parse(readFileSync(path.join(cwd, 'reports/slow-sweep-2/sweep.json'), 'utf8'));
    expect(b.points.map((p: { estimates: unknown }) => p.estimates)).toEqual(a.points.map((p: { estimates: unknown }) => p.estimates));
  }, 120_000);
});
