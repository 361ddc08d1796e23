/**
 * `marginlab recommend` end to end (small): a two-market venue with an also: scenario writes the
 * governance post (summary.md with a table per market), recommendation.json, the page and points.parquet;
 * --json prints the summary with command "recommend"; a bad recommend: block stops every command with
 * one line naming the field (exit 2), and --shard is refused with the reason; `report` rebuilds the
 * folder from recommendation.json and `list` shows it.
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

const venue = (seed: number, vol: number, block: string) => `name: venue-${seed}
seed: ${seed}
paths: 40
stepSeconds: 3600
horizonSteps: 24
market: { name: CALM, priceModel: { kind: gbm, volatilityAnnual: ${vol} }, impact: { kind: none } }
otherMarkets:
  - { name: WILD, priceModel: { kind: gbm, volatilityAnnual: ${2 * vol} }, impact: { kind: none } }
traders:
  count: 40
  warmup: none
  crossMarginShare: 0
  leverage: { kind: tiers, tiers: [{ leverage: 50, weight: 1 }] }
  collateralUsd: { kind: lognormal, medianUsd: 1000, sigmaLog: 0 }
  topUp: { share: 0 }
  stopLoss: { share: 0 }
policy:
  maxLeverage: 50
  maintenance: { kind: fixed, mmr: 0.005 }
  liquidation: { kind: full, feeRate: 0 }
  insuranceFund: { initialUsd: 1000 }
${block}`;

const BLOCK = `recommend:
  markets:
    target: probLiquidation <= 30%
    levers: [{ param: policy.maxLeverage, range: [2, 50] }]
    tolerance: 0.25
  venue:
    target: probFundExhausted <= 50%
    fund: { range: [0, 20000], tolerance: 10000 }
  also: [week.yaml]
  confidence: 0.8
  initialPaths: 40
  maxPathsPerPoint: 80
`;

function folder(block = BLOCK): { dir: string; file: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'marginlab-recommend-'));
  writeFileSync(path.join(dir, 'venue.yaml'), venue(1, 0.6, block));
  writeFileSync(path.join(dir, 'week.yaml'), venue(2, 0.9, ''));
  return { dir, file: path.join(dir, 'venue.yaml') };
}

describe('marginlab recommend', () => {
  it('writes the governance post, the JSON, the page and every evaluated point, and prints the summary as JSON', () => {
    const { dir, file } = folder();
    const out = path.join(dir, 'out');
    const r = run(['recommend', file, '--out', out, '--workers', '0', '--json', '--allow-any-path']);
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary.command).toBe('recommend');
    expect(summary.details.scenarios.map((s: { name: string }) => s.name)).toEqual(['venue-1', 'venue-2']);
    for (const f of ['recommendation.json', 'index.html', 'summary.md', 'points.parquet', 'points.csv']) expect(existsSync(path.join(out, f)), f).toBe(true);
    const rec = JSON.parse(readFileSync(path.join(out, 'recommendation.json'), 'utf8'));
    expect(rec.format).toBe('marginlab.recommendation/1');
    const md = readFileSync(path.join(out, 'summary.md'), 'utf8');
    if (rec.status === 'found') {
      expect(md).toMatch(/We recommend setting policy\.maxLeverage per market/);
      expect(md).toMatch(/\| CALM \| policy\.maxLeverage 50× → \d/);
      expect(md).toMatch(/\| WILD \|/);
      expect(md).toMatch(/binding scenario/);
    } else expect(md).toMatch(/No set of policy\.maxLeverage/);
    // one CSV row per evaluated point × scenario × target (2 markets + the venue)
    const csv = readFileSync(path.join(out, 'points.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toMatch(/^point,label,/);
    expect(csv.length - 1).toBe(rec.evaluated.length * 2 * 3);
    expect(readFileSync(path.join(out, 'index.html'), 'utf8')).toMatch(/Every evaluated point/);
    // marginlab report rebuilds the page and the post from recommendation.json alone; list shows the folder
    const rebuilt = path.join(dir, 'rebuilt');
    const rep = run(['report', out, '--out', rebuilt]);
    expect(rep.code, rep.stderr).toBe(0);
    expect(readFileSync(path.join(rebuilt, 'summary.md'), 'utf8').split('\n').slice(0, -2)).toEqual(md.split('\n').slice(0, -2));
    const list = run(['list', dir]);
    expect(list.stdout).toMatch(/recommend/);
  }, 120_000);

  it('a bad recommend: block stops every command that reads a scenario (run, recommend, sweep, calibrate, compare) with one line naming the field (exit 2); --shard is refused', () => {
    const { dir, file } = folder(BLOCK.replace('target: probLiquidation <= 30%', 'target: topUpCount.mean <= 3'));
    for (const cmd of ['run', 'recommend', 'sweep', 'calibrate', 'compare']) {
      const r = run([cmd, file, '--out', path.join(dir, cmd), '--allow-any-path']);
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/recommend\.markets\.target "topUpCount\.mean <= 3": the metric "topUpCount\.mean" is not one a market target can use — allowed: probLiquidation, probShortfall/);
      expect(r.stderr).not.toMatch(/\bat .*\.js:\d+/);
    }
    const ok = folder();
    const s = run(['recommend', ok.file, '--shard', '1/2', '--allow-any-path']);
    expect(s.code).toBe(2);
    expect(s.stderr).toMatch(/recommend --shard: not supported — the search is adaptive/);
  }, 60_000);
});
