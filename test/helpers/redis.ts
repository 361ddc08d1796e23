/**
 * A redis-server for the fleet tests: where it is installed, whether CI requires it (.ci/run installs it; under CI
 * a missing one fails the tests instead of skipping them), and one started on 127.0.0.1 on a free port (traffic stays
 * on loopback, nothing saved to disk), answered before it is handed over and killed with the test file.
 */
import { afterAll, describe, it } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { checkRedis } from '../../src/api/fleet.js';

export const REDIS = ['/usr/bin/redis-server', '/usr/local/bin/redis-server'].find((p) => existsSync(p)) ?? (spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).stdout.trim() || undefined);
export const CI = !!process.env.CI && process.env.CI !== 'false';
/** Skip the fleet tests here: no redis-server, and not under CI (where it must run). */
export const SKIP_FLEET = !REDIS && !CI;

/** A fleet test file's describe: its tests where redis-server is installed (always under CI), else one skipped test saying why. */
export function describeFleet(name: string, body: () => void): void {
  describe(name, () => {
    if (SKIP_FLEET) it.skip('needs redis-server (apt-get install redis-server; .ci/run installs it) — not installed here', () => {});
    else body();
  });
}

/** Child processes a test file started (redis, workers, coordinators): SIGKILLed after its tests if still running. */
export const started: ChildProcess[] = [];
afterAll(() => {
  for (const p of started) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

/** Starts a redis-server on a free loopback port and waits until it answers. */
export async function startRedis(): Promise<{ url: string; process: ChildProcess }> {
  if (!REDIS) throw new Error('redis-server is required under CI (.ci/run installs it)');
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  const p = spawn(REDIS, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'yes'], { stdio: 'ignore' });
  started.push(p);
  for (let k = 0; ; k++) {
    await new Promise((r) => setTimeout(r, 100));
    try {
      await checkRedis(url);
      return { url, process: p };
    } catch (e) {
      if (k > 50) throw e;
    }
  }
}
