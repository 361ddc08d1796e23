/**
 * Bad input to the study commands never produces a stack trace or a half-written report: one line
 * naming the flag or field, the value and what is allowed, and exit code 2. Most cases call the CLI's
 * `main()` in-process (same code path, much faster); the last runs the built binary.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const CLI = path.join(ROOT, 'dist/cli/main.js');
const dir = mkdtempSync(path.join(tmpdir(), 'marginlab-bad-input-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = path.join(dir, 's.yaml');
writeFileSync(file, 'name: s\npaths: 20\nhorizonSteps: 10\ntraders: { count: 20 }\npolicy: { maxLeverage: 20 }\n');
const out = path.join(dir, 'out');

interface CliResult {
  status: number | null;
  stderr: string;
  lines: string[];
}

/** Runs `marginlab <args>` in-process, capturing stderr. */
async function cli(...args: string[]): Promise<CliResult> {
  let stderr = '';
  const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
  let status: number;
  try {
    status = await main(['node', 'marginlab', ...args]);
  } finally {
    spy.mockRestore();
  }
  return { status, stderr, lines: stderr.trim().split('\n') };
}

function expectUserError(r: CliResult, ...patterns: RegExp[]) {
  expect(r.status, r.stderr).toBe(2);
  expect(r.lines.length, r.stderr).toBe(1);
  expect(r.stderr).not.toMatch(/\n\s+at |internal error/);
  for (const p of patterns) expect(r.stderr).toMatch(p);
  expect(existsSync(out)).toBe(false);
}

describe('bad input to sweep, calibrate and compare exits 2 with a message listing what is allowed', () => {
  it('sweep: unknown parameter path lists the allowed numeric paths', async () => {
    expectUserError(await cli('sweep', file, '--param', 'policy.maintenance.mrr=0.01,0.02', '--out', out), /--param "policy\.maintenance\.mrr"/, /allowed numeric paths under policy: .*policy\.maintenance\.mmr/, /policy\.insuranceFund\.initialUsd/);
  });
  it('sweep: a field of a kind not in use names the kind', async () => {
    expectUserError(await cli('sweep', file, '--param', 'policy.maintenance.tiers[0].mmr=0.01', '--out', out), /policy\.maintenance is kind "fixed"/, /allowed numeric paths/);
  });
  it('sweep: the seed cannot be swept', async () => {
    expectUserError(await cli('sweep', file, '--param', 'seed=1,2', '--out', out), /cannot be varied/);
  });
  it('sweep: an empty range (stop below start) says what a range must be', async () => {
    expectUserError(await cli('sweep', file, '--param', 'policy.maintenance.mmr=0.05:0.01:0.01', '--out', out), /empty range/, /start:stop:step with step > 0 and start ≤ stop/);
    expectUserError(await cli('sweep', file, '--param', 'policy.maintenance.mmr=', '--out', out), /empty list of values/);
  });
  it('sweep: a point the schema rejects names the point and the rule', async () => {
    expectUserError(await cli('sweep', file, '--param', 'policy.maintenance.mmr=0.02,0.06', '--out', out), /sweep point policy\.maintenance\.mmr=0\.06/, /initial margin rate 1\/policy\.maxLeverage = 0\.05/);
  });
  it('sweep: nothing to sweep', async () => {
    expectUserError(await cli('sweep', file, '--out', out), /nothing to sweep/);
  });
  it('calibrate: an empty range', async () => {
    expectUserError(await cli('calibrate', file, '--param', 'policy.maintenance.mmr', '--range', '0.04..0.01', '--target', 'probBadDebt <= 1%', '--out', out), /--range: "0\.04\.\.0\.01" is an empty range/, /lo < hi/);
  });
  it('calibrate: a target on an unknown metric lists the allowed metrics', async () => {
    expectUserError(
      await cli('calibrate', file, '--param', 'policy.maintenance.mmr', '--range', '0.01..0.04', '--target', 'badDebt.var99 <= 1000', '--out', out),
      /--target metric "badDebt\.var99": unknown/,
      /allowed metrics .*badDebtUsd\.var99/,
      /probFundExhausted/,
    );
    expectUserError(
      await cli('calibrate', file, '--param', 'policy.maintenance.mmr', '--range', '0.01..0.04', '--target', 'badDebtUsd.quantiles.p99 <= 1000', '--out', out),
      /no confidence interval/,
    );
    expectUserError(await cli('calibrate', file, '--param', 'policy.maintenance.mmr', '--range', '0.01..0.04', '--target', 'badDebtUsd.var99 = 1000', '--out', out), /expected "<metric> <= <value>"/);
  });
  it('calibrate: an unknown parameter and an out-of-range end of the range', async () => {
    expectUserError(await cli('calibrate', file, '--param', 'policy.mmr', '--range', '0.01..0.04', '--target', 'probBadDebt <= 1%', '--out', out), /allowed numeric paths/);
    expectUserError(await cli('calibrate', file, '--param', 'policy.maintenance.mmr', '--range', '0.01..0.07', '--target', 'probBadDebt <= 1%', '--out', out), /calibration value policy\.maintenance\.mmr=0\.07/);
  });
  it('compare: one file without variants, and an unknown baseline', async () => {
    expectUserError(await cli('compare', file, '--out', out), /has no variants: block/);
    expectUserError(await cli('compare', file, file, '--baseline', 'nope', '--out', out), /--baseline "nope": no such variant; allowed: s, s-2/);
  });
  it('the built binary exits 2 with the same one-line message', () => {
    const r = spawnSync(process.execPath, [CLI, 'calibrate', file, '--param', 'policy.maintenance.mmr', '--range', '0.01..0.04', '--target', 'badDebt.var99 <= 1000', '--out', out], { encoding: 'utf8' });
    expectUserError({ status: r.status, stderr: r.stderr, lines: r.stderr.trim().split('\n') }, /^marginlab: --target metric "badDebt\.var99": unknown/, /allowed metrics/);
  });
});
