/** A Redis URL may carry a password: messages show it masked, bounded and with control characters escaped. */
import { describe, expect, it } from 'vitest';
import { shownRedisUrl } from '../../src/api/fleet.js';
import { cli } from '../helpers/cli.js';

describe('Redis URLs in messages', () => {
  it('masks the password, keeps host and port, escapes control characters and clips long text', () => {
    expect(shownRedisUrl('redis://:s3cret@10.0.0.5:6379/0')).toBe('redis://:***@10.0.0.5:6379/0');
    expect(shownRedisUrl('rediss://worker:pa%40ss@cache.example:6380')).toBe('rediss://worker:***@cache.example:6380');
    expect(shownRedisUrl('redis://127.0.0.1:6379')).toBe('redis://127.0.0.1:6379');
    expect(shownRedisUrl('redis://a\nb')).not.toContain('\n');
    expect(shownRedisUrl(`redis://${'x'.repeat(500)}`).length).toBeLessThanOrEqual(200);
  });
  it('an unreachable Redis is one exit-2 line that does not print the password', async () => {
    const r = await cli('run', 'test/fixtures/shard-small.yaml', '--redis', 'redis://:s3cret@127.0.0.1:1', '--out', 'test-output/redis-url-never-written');
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/--redis redis:\/\/:\*\*\*@127\.0\.0\.1:1: cannot reach Redis/);
    expect(r.stderr).not.toContain('s3cret');
  });
});
