/**
 * Long runs resume: a sweep killed mid-way (SIGKILL, like a crash or a closed laptop) and run again
 * with the same command produces the same sweep.json as an uninterrupted run (timing fields aside),
 * reusing the points that had finished; and a folder holding another sweep is refused, not mixed.
 * Runs the built CLI (`dist/`) as a child process.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');
const CLI = path.join(ROOT, 'dist/cli/main.js');
const dir = mkdtempSync(path.join(tmpdir(), 'marginlab-resume-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const scenarioFile = path.join(dir, 'resume.yaml');
writeFileSync(
  scenarioFile,
  `name: resume
seed: 9
paths: 600
horizonSteps: 240
market: { priceModel: { kind: gbm, volatilityAnnual: 1.2 }, impact: { kind: linear, depthUsdPerPercent: 500000 } }
traders: { count: 300 }
policy: { maxLeverage: 20, insuranceFund: { initialUsd: 2000 } }
output: { seriesSamplePaths: 1, seriesPoints: 2 }
`,
);
const args = (out: string) => [CLI, 'sweep', scenarioFile, '--param', 'policy.maintenance.mmr=0.01:0.035:0.005', '--out', out, '--workers', '0', '--no-figures'];

/** sweep.json without its timing fields (`run` blocks: wall time, start time, resumed counts). */
function withoutTiming(file: string): unknown {
  return JSON.parse(readFileSync(file, 'utf8'), (k, v) => (k === 'run' ? undefined : v));
}

const pointFiles = (out: string) => (existsSync(path.join(out, 'points')) ? readdirSync(path.join(out, 'points')).filter((f) => f.endsWith('.json')) : []);

/** Starts the sweep and kills it (SIGKILL) as soon as its first point file is on disk. */
function runAndKillAfterFirstPoint(out: string): Promise<{ killed: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args(out), { stdio: 'ignore' });
    let killed = false;
    const timer = setInterval(() => {
      if (!killed && pointFiles(out).length > 0) {
        killed = child.kill('SIGKILL');
      }
    }, 5);
    child.on('error', reject);
    child.on('exit', () => {
      clearInterval(timer);
      resolve({ killed });
    });
  });
}

describe('resuming an interrupted sweep', () => {
  it('a sweep killed after its first point resumes and writes the same sweep.json as an uninterrupted run', async () => {
    const interrupted = path.join(dir, 'interrupted');
    const { killed } = await runAndKillAfterFirstPoint(interrupted);
    expect(killed).toBe(true);
    const done = pointFiles(interrupted).length;
    expect(done).toBeGreaterThanOrEqual(1);
    expect(done).toBeLessThan(6);
    expect(existsSync(path.join(interrupted, 'sweep.json'))).toBe(false);
    // no half-written file is ever visible as a point
    for (const f of pointFiles(interrupted)) expect(() => JSON.parse(readFileSync(path.join(interrupted, 'points', f), 'utf8'))).not.toThrow();

    const resumed = spawnSync(process.execPath, args(interrupted), { encoding: 'utf8' });
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(resumed.stderr).toMatch(new RegExp(`${done} resumed`));

    const fresh = path.join(dir, 'uninterrupted');
    const full = spawnSync(process.execPath, args(fresh), { encoding: 'utf8' });
    expect(full.status, full.stderr).toBe(0);
    expect(full.stderr).toMatch(/0 resumed/);

    const a = withoutTiming(path.join(interrupted, 'sweep.json'));
    const b = withoutTiming(path.join(fresh, 'sweep.json'));
    expect(a).toEqual(b);
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
  });

  it('refuses (exit 2) to resume into a folder that holds a sweep of different parameters, naming what changed', () => {
    const out = path.join(dir, 'uninterrupted');
    const r = spawnSync(process.execPath, [CLI, 'sweep', scenarioFile, '--param', 'policy.maintenance.mmr=0.01,0.02', '--out', out, '--workers', '0'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/different scenario or parameters \(changed: params/);
    expect(r.stderr).toMatch(/--fresh/);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    const changedScenario = path.join(dir, 'changed.yaml');
    writeFileSync(changedScenario, readFileSync(scenarioFile, 'utf8').replace('initialUsd: 2000', 'initialUsd: 3000'));
    const s = spawnSync(process.execPath, [CLI, 'sweep', changedScenario, '--param', 'policy.maintenance.mmr=0.01:0.035:0.005', '--out', out, '--workers', '0'], { encoding: 'utf8' });
    expect(s.status).toBe(2);
    expect(s.stderr).toMatch(/changed: scenario\.policy\.insuranceFund\.initialUsd/);
  });
});
