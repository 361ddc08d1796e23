/** The scenario's `sampling` block: defaults, and bad input refused with one line naming the field. */
import { describe, expect, it } from 'vitest';
import { parseScenario } from '../../src/scenario/load.js';
import { isUserError } from '../../src/errors.js';
import { small } from '../helpers/scenarios.js';

const refused = (over: unknown): string => {
  try {
    small(over);
  } catch (e) {
    expect(isUserError(e)).toBe(true);
    return (e as Error).message;
  }
  throw new Error('accepted');
};

describe('scenario sampling block', () => {
  it('is absent by default (plain Monte Carlo on one book) and fills its importance defaults when given', () => {
    expect(small().sampling).toBeUndefined();
    expect(small({ sampling: { importance: {} } }).sampling!.importance).toEqual({ kind: 'shift', shiftPerStep: 'auto', target: 'liquidation', shareOfOpenInterest: 0 });
  });
  it('refuses a shift list of the wrong length, a csv model with importance sampling, and a zero block size, naming the field', () => {
    expect(refused({ sampling: { importance: { shiftPerStep: [-0.1, -0.2] } } })).toMatch(/sampling\.importance\.shiftPerStep: .*one shift per market \(1/);
    expect(refused({ sampling: { pathsPerBook: 0 } })).toMatch(/sampling\.pathsPerBook/);
    expect(refused({ sampling: { importance: { shiftPerStep: 9 } } })).toMatch(/sampling\.importance\.shiftPerStep/);
    const csv = { horizonSteps: 5, market: { priceModel: { kind: 'csv', file: 'test/fixtures/prices-small.csv', mode: 'block-bootstrap' } }, sampling: { importance: {} } };
    expect(() => parseScenario({ ...small(), ...csv }, 'x', { baseDir: process.cwd() })).toThrow(/csv model draws none/);
  });
});
