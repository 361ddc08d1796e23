/**
 * bullmq and ioredis are loaded only when a fleet is used: the library (dist/index.js, which re-exports
 * the fleet API) imports with both made unresolvable, and the first fleet call is what asks for them.
 * Runs on the build (npm run build).
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const ROOT = path.resolve(__dirname, '../..');

/** A module-resolution hook that refuses bullmq and ioredis, registered before `code` runs. */
const BLOCK = `export async function resolve(s, c, next) { if (s === 'bullmq' || s === 'ioredis') throw new Error('blocked: ' + s); return next(s, c); }`;
const REGISTER = `import { register } from 'node:module'; register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(BLOCK)}));`;

function runWithoutQueue(code: string) {
  return spawnSync(process.execPath, ['--import', `data:text/javascript,${encodeURIComponent(REGISTER)}`, '--input-type=module', '-e', code], { cwd: ROOT, encoding: 'utf8' });
}

describe('the fleet loads bullmq only when used', () => {
  const index = pathToFileURL(path.join(ROOT, 'dist/index.js')).href;

  it('the library imports, fleet API included, without bullmq or ioredis', () => {
    const r = runWithoutQueue(`const m = await import(${JSON.stringify(index)}); console.log(typeof m.runOnFleet, typeof m.startFleetWorker, typeof m.runScenario);`);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('function function function');
  });

  it('using the fleet is what loads them (the hook does block them)', () => {
    const r = runWithoutQueue(`const m = await import(${JSON.stringify(index)}); try { await m.checkRedis('redis://127.0.0.1:1'); console.log('loaded'); } catch (e) { console.log(String(e.message)); }`);
    expect(r.stdout).toMatch(/blocked: (bullmq|ioredis)/);
  });
});
