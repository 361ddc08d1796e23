/**
 * `recommend --redis`: every joint point's paths on a worker fleet (BullMQ on Redis) give the local
 * recommendation (recommendation.json equal apart from its `run` timing). A redis-server on 127.0.0.1 on
 * a free port and one `marginlab worker` are started and stopped here. Skipped, saying why, when
 * redis-server is not installed — except under CI, where it must run.
 */
import { expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describeFleet, started, startRedis } from '../helpers/redis.js';

const ROOT = path.resolve(__dirname, '../..');
const CLI = path.join(ROOT, 'dist/cli/main.js');



const VENUE = `name: fleet-venue
seed: 3
paths: 30
stepSeconds: 3600
horizonSteps: 24
market: { name: A, priceModel: { kind: gbm, volatilityAnnual: 0.8 }, impact: { kind: none } }
otherMarkets:
  - { name: B, priceModel: { kind: gbm, volatilityAnnual: 1.6 }, impact: { kind: none } }
traders:
  count: 30
  warmup: none
  crossMarginShare: 0
  leverage: { kind: tiers, tiers: [{ leverage: 50, weight: 1 }] }
  collateralUsd: { kind: lognormal, medianUsd: 1000, sigmaLog: 0 }
policy:
  maxLeverage: 50
  maintenance: { kind: fixed, mmr: 0.005 }
  liquidation: { kind: full, feeRate: 0 }
  insuranceFund: { initialUsd: 0 }
recommend:
  markets:
    target: probLiquidation <= 40%
    levers: [{ param: policy.maxLeverage, range: [2, 50] }]
    tolerance: 0.25
  venue:
    target: probFundExhausted <= 50%
    fund: { range: [0, 20000], tolerance: 10000 }
  confidence: 0.8
  initialPaths: 30
  maxPathsPerPoint: 60
`;

describeFleet('recommend on a worker fleet', () => {

  it('gives the local recommendation.json (apart from run timing)', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'marginlab-fleet-recommend-'));
    const file = path.join(dir, 'venue.yaml');
    writeFileSync(file, VENUE);
    const { url, process: redis } = await startRedis();
    const local = spawnSync(process.execPath, [CLI, 'recommend', file, '--workers', '0', '--no-figures', '--allow-any-path', '--out', path.join(dir, 'local')], { encoding: 'utf8' });
    expect(local.status, local.stderr).toBe(0);
    const worker = spawn(process.execPath, [CLI, 'worker', '--redis', url, '--workers', '1'], { stdio: 'ignore' });
    started.push(worker);
    const fleet = spawnSync(process.execPath, [CLI, 'recommend', file, '--redis', url, '--job-paths', '15', '--no-figures', '--allow-any-path', '--out', path.join(dir, 'fleet')], { encoding: 'utf8', timeout: 120_000 });
    expect(fleet.status, fleet.stderr).toBe(0);
    const strip = (f: string) => {
      const x = JSON.parse(readFileSync(f, 'utf8'));
      delete x.run;
      return JSON.stringify(x);
    };
    expect(strip(path.join(dir, 'fleet', 'recommendation.json'))).toBe(strip(path.join(dir, 'local', 'recommendation.json')));
    worker.kill('SIGTERM');
    redis.kill('SIGTERM');
  }, 180_000);
});
