/**
 * `marginlab validate` (issue 22 part 5): on the real data in ../shared/data (skipped where absent), with a small
 * path count, it writes results.json (every ValidationRow, with the pass count), index.html and summary.md, and
 * exits 0 whatever the rows say; a data folder without one of the files, or no folder at all, is one line, exit 2,
 * nothing written.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cli, isOneLineUserError } from '../helpers/cli.js';
import { HAS_REAL_DATA, REAL, REAL_DATA_DIR } from '../helpers/real-data.js';
import { COMPARISONS } from '../../src/validate/registry.js';
import type { ValidationResult } from '../../src/validate/registry.js';

function tmp(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'marginlab-validate-'));
}

describe('marginlab validate: refusals', () => {
  it('a data folder missing a file the comparisons need: one line naming the file, exit 2, nothing written', async () => {
    const data = tmp();
    const out = path.join(tmp(), 'report');
    try {
      // every file but one, as links to the real ones where they exist (empty placeholders do not matter: the check comes first)
      const needed = [...new Set(COMPARISONS.flatMap((c) => c.files))];
      for (const f of needed.slice(1)) symlinkSync(path.join(REAL_DATA_DIR, f), path.join(data, f));
      const r = await cli('validate', '--data', data, '--out', out, '--paths', '10');
      expect(isOneLineUserError(r, new RegExp(`${needed[0].replace(/[.]/g, '\\.')} is missing`), /--data /), r.stderr).toBe(true);
      expect(existsSync(out)).toBe(false);
    } finally {
      rmSync(data, { recursive: true, force: true });
      rmSync(path.dirname(out), { recursive: true, force: true });
    }
  });

  it('no such data folder: one line, exit 2', async () => {
    const out = path.join(tmp(), 'report');
    try {
      const r = await cli('validate', '--data', path.join(os.tmpdir(), 'marginlab-no-such-folder-xyz'), '--out', out);
      expect(isOneLineUserError(r, /no such folder/), r.stderr).toBe(true);
      expect(existsSync(out)).toBe(false);
    } finally {
      rmSync(path.dirname(out), { recursive: true, force: true });
    }
  });
});

describe.skipIf(!HAS_REAL_DATA)('marginlab validate on ../shared/data', () => {
  it('writes results.json (the rows), index.html and summary.md, exit 0, and the verdict line counts the passes', async () => {
    const out = path.join(tmp(), 'report');
    try {
      const r = await cli('validate', '--data', REAL_DATA_DIR, '--out', out, '--paths', '20');
      expect(r.status, r.stderr).toBe(0);
      const res = JSON.parse(readFileSync(path.join(out, 'results.json'), 'utf8')) as ValidationResult;
      expect(res.format).toBe('marginlab.validation/1');
      expect(res.comparisons.map((c) => c.id)).toEqual(COMPARISONS.map((c) => c.id));
      expect(res.total).toBe(res.rows.length);
      expect(res.comparisons.reduce((a, c) => a + c.rows, 0)).toBe(res.rows.length);
      expect(res.passed).toBe(res.rows.filter((x) => x.pass).length);
      for (const row of res.rows) {
        expect(typeof row.group).toBe('string');
        expect(typeof row.figure).toBe('string');
        expect(Number.isFinite(row.real)).toBe(true);
        expect(row.band.lo).toBeLessThanOrEqual(row.band.hi);
        // pass is exactly "simulated within the band"
        expect(row.pass).toBe(row.simulated !== null && row.simulated >= row.band.lo && row.simulated <= row.band.hi);
      }
      // the crisis rows use the record's own figures: 10 Oct 2025's worst 15 minutes −10.1%
      const oct = res.rows.filter((x) => x.group === '10 Oct 2025 replay');
      expect(oct.length).toBeGreaterThan(5);
      expect(Math.min(...oct.map((x) => x.real))).toBeCloseTo(-0.1494, 3);
      // the rebuilt replays pass every crisis row; the timing rows come from Hyperliquid's record
      expect(res.rows.filter((x) => /replay$/.test(x.group)).every((x) => x.pass)).toBe(true);
      expect(res.rows.filter((x) => /timing/.test(x.group)).length).toBe(5);
      const verdict = `${res.passed} of ${res.total} rows pass`;
      expect(r.stdout).toContain(verdict);
      const html = readFileSync(path.join(out, 'index.html'), 'utf8');
      expect(html).toContain(verdict);
      expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href="http/); // self-contained, offline
      for (const row of res.rows.slice(0, 5)) expect(html).toContain(row.figure.replace(/&/g, '&amp;').replace(/</g, '&lt;'));
      const md = readFileSync(path.join(out, 'summary.md'), 'utf8');
      expect(md.split('\n')[2]).toContain(verdict);
      expect(md.match(/^\| (?!group|---)/gm)?.length).toBe(res.rows.length);
    } finally {
      rmSync(path.dirname(out), { recursive: true, force: true });
    }
  }, 120_000);
});
