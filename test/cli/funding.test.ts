/**
 * Funding from the CLI (compiled, as a user runs it): a venue preset pays its venue's funding with no
 * funding field in the scenario, the per-path funding fields reach results.json, and on every path
 * what the simulated accounts paid less what they received is the outside book's balance, to the cent.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const CLI = path.join(ROOT, 'dist/cli/main.js');

function run(args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 300_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('marginlab run — funding as the venue pays it', () => {
  it('scenarios/venues/hyperliquid.yaml pays hourly funding; paid − received = the outside book on every path; enabled: false pays none', () => {
    const base = ['--paths', '2', '--workers', '1', '--set', 'horizonSteps=180', '--set', 'traders.count=300'];
    const out = path.join(mkdtempSync(path.join(tmpdir(), 'marginlab-funding-')), 'out');
    const r = run(['run', 'scenarios/venues/hyperliquid.yaml', '--out', out, ...base]);
    expect(r.code, r.stderr).toBe(0);
    const results = JSON.parse(readFileSync(path.join(out, 'results.json'), 'utf8'));
    expect(results.scenario.market.policy.funding).toMatchObject({ intervalSeconds: 3_600, rateIntervalSeconds: 28_800, capPerInterval: 0.32 });
    const p = results.paths;
    for (let i = 0; i < 2; i++) {
      expect(p.fundingPaidUsd[i]).toBeGreaterThan(0); // three hourly payments of at least the interest component
      expect(Math.round((p.fundingPaidUsd[i] - p.fundingReceivedUsd[i]) * 100)).toBe(Math.round(p.fundingOutsideUsd[i] * 100));
      expect(p.fundingUnpaidUsd[i]).toBe(0);
    }
    const off = path.join(path.dirname(out), 'off');
    const r2 = run(['run', 'scenarios/venues/hyperliquid.yaml', '--out', off, ...base, '--set', 'policy.funding.enabled=false']);
    expect(r2.code, r2.stderr).toBe(0);
    expect(JSON.parse(readFileSync(path.join(off, 'results.json'), 'utf8')).paths.fundingPaidUsd).toEqual([0, 0]);
  });
});
