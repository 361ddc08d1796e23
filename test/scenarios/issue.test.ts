/**
 * The one formatter of zod issues (src/scenario/issue.ts): a scenario's wording names the field, the
 * value and the rule; a saved file's names the field and, for a wrong type, both types in JSON's terms.
 * Both are one line. The readers of scenarios, results.json and study files all use it.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { describeIssue, show } from '../../src/scenario/issue.js';
import { loadSaved } from '../../src/cli/saved.js';
import { UserError } from '../../src/errors.js';

const schema = z.strictObject({ a: z.strictObject({ n: z.number().int().min(1), xs: z.array(z.number()) }), kind: z.enum(['x', 'y']) });
const issueOf = (input: unknown) => schema.safeParse(input).error!.issues[0];
const SCENARIO = { kind: 'scenario' as const, knownKeys: () => ['n', 'xs'] };
const SAVED = { kind: 'saved file' as const };

describe('describeIssue', () => {
  it('scenario wording: field, value, rule; an unknown key lists the keys allowed there', () => {
    const bad = { a: { n: 0, xs: [] }, kind: 'x' };
    expect(describeIssue(issueOf(bad), bad, SCENARIO)).toBe('a.n: 0 is not allowed — too small: expected number to be >=1');
    const extra = { a: { n: 1, xs: [], m: 2 }, kind: 'x' };
    expect(describeIssue(issueOf(extra), extra, SCENARIO)).toBe('a.m: unknown field (allowed here: n, xs)');
  });

  it('saved-file wording: a wrong type in JSON’s terms, a missing field as nothing', () => {
    const wrong = { a: { n: 1, xs: [1, 'two'] }, kind: 'x' };
    expect(describeIssue(issueOf(wrong), wrong, SAVED)).toBe('field "a.xs[1]" must be a JSON number, got string');
    const missing = { kind: 'x' };
    expect(describeIssue(issueOf(missing), missing, SAVED)).toBe('field "a" must be a JSON object, got nothing (missing)');
    const notType = { a: { n: 0, xs: [] }, kind: 'x' };
    expect(describeIssue(issueOf(notType), notType, SAVED)).toMatch(/^field "a\.n" Too small/);
  });

  it('paths and values as messages show them', () => {
    expect(describeIssue(z.number().safeParse('x').error!.issues[0], 'x', SAVED)).toBe('field "(top level)" must be a JSON number, got string');
    expect(show(Number.NaN)).toBe('NaN');
    expect(show({ x: -0, y: Infinity })).toBe('{"x":-0,"y":Infinity}');
    expect(show('x'.repeat(100))).toHaveLength(60);
  });

  it('a study file of the wrong type is one line naming the file, the field and both types', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'marginlab-issue-'));
    const file = path.join(dir, 'sweep.json');
    writeFileSync(file, JSON.stringify({ format: 'marginlab.sweep/1', marginlabVersion: '0.1.0', scenario: { name: 's', seed: 1 }, seed: 'one' }));
    let message = '';
    try {
      loadSaved(file);
    } catch (e) {
      expect(e).toBeInstanceOf(UserError);
      message = (e as Error).message;
    }
    expect(message).toBe(`${file}: field "seed" must be a JSON number, got string`);
  });
});
