/** The median of src/stats/median.ts (sweeps' and comparisons' CRN precision gain, the study pages). */
import { describe, expect, it } from 'vitest';
import { median as ssMedian } from 'simple-statistics';
import { median } from '../../src/stats/median.js';

describe('median', () => {
  it('the doc examples: odd count → the middle value, even count → the mean of the two middle values', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([5])).toBe(5);
  });
  it('an empty sample has no median (null), and the input is not reordered', () => {
    expect(median([])).toBeNull();
    const xs = [3, 1, 2];
    median(xs);
    expect(xs).toEqual([3, 1, 2]);
  });
  it('is ½(a + b), which simple-statistics’ a + ½(b − a) is not always (why the module keeps its own)', () => {
    // a pair where the two formulas round differently
    let found: [number, number] | undefined;
    for (let i = 1; i < 1000 && !found; i++) {
      const a = i / 7;
      const b = a + i / 3;
      if (0.5 * (a + b) !== a + 0.5 * (b - a)) found = [a, b];
    }
    expect(found).toBeDefined();
    const [a, b] = found!;
    expect(median([b, a])).toBe(0.5 * (a + b));
    expect(ssMedian([b, a])).not.toBe(median([b, a]));
  });
});
