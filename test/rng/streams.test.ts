import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { stream, sharedStream } from '../../src/rng/streams.js';
import { gammaSampler, normalSampler, pareto, poisson, standardizedStudentTFromNormal } from '../../src/rng/distributions.js';

describe('random streams', () => {
  it('are a pure function of (seed, path, name)', () => {
    const a = stream(42, 3, 'price');
    const b = stream(42, 3, 'price');
    const xs = Array.from({ length: 5 }, a);
    expect(Array.from({ length: 5 }, b)).toEqual(xs);
  });
  it('differ by seed, by path and by stream name', () => {
    const first = (r: () => number) => r();
    const base = first(stream(42, 3, 'price'));
    expect(first(stream(43, 3, 'price'))).not.toBe(base);
    expect(first(stream(42, 4, 'price'))).not.toBe(base);
    expect(first(stream(42, 3, 'behaviour'))).not.toBe(base);
    expect(first(sharedStream(42, 'price'))).not.toBe(base);
  });
  it('no source file uses Math.random', () => {
    const files: string[] = [];
    const walk = (d: string) => {
      for (const f of readdirSync(d)) {
        const p = path.join(d, f);
        if (statSync(p).isDirectory()) walk(p);
        else if (p.endsWith('.ts')) files.push(p);
      }
    };
    walk(path.resolve(__dirname, '../../src'));
    expect(files.length).toBeGreaterThan(10);
    const offenders = files.filter((f) => /Math\.random\s*\(/.test(readFileSync(f, 'utf8')));
    expect(offenders).toEqual([]);
  });
});

describe('distributions', () => {
  const mv = (xs: number[]) => {
    const m = xs.reduce((a, b) => a + b, 0) / xs.length;
    return { m, v: xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1) };
  };
  it('normal has mean 0 and variance 1 (3 SE)', () => {
    const n = 100_000;
    const z = normalSampler(stream(1, 0, 't'));
    const { m, v } = mv(Array.from({ length: n }, z));
    expect(Math.abs(m)).toBeLessThan(3 / Math.sqrt(n));
    expect(Math.abs(v - 1)).toBeLessThan(3 * Math.sqrt(2 / n));
  });
  it('gamma(k) has mean k and variance k (3 SE), including k < 1', () => {
    for (const k of [0.5, 2.5]) {
      const n = 100_000;
      const g = gammaSampler(stream(2, 0, 't'), k);
      const { m } = mv(Array.from({ length: n }, g));
      expect(Math.abs(m - k)).toBeLessThan(3 * Math.sqrt(k / n));
    }
  });
  it('standardised Student-t has unit variance (3 SE, ν = 9)', () => {
    const n = 100_000;
    // z and the χ²'s normals from one polar sampler on one stream
    const rng = stream(3, 0, 't');
    const normal = normalSampler(rng);
    const t = standardizedStudentTFromNormal(rng, 9, normal);
    const xs = Array.from({ length: n }, () => t(normal()));
    const { v } = mv(xs);
    // Var(x²) for standardised t_ν: E x⁴ − 1 = 3(ν−2)/(ν−4) − 1
    const se = Math.sqrt((3 * 7) / 5 - 1) / Math.sqrt(n);
    expect(Math.abs(v - 1)).toBeLessThan(3 * se);
  });
  it('standardised Student-t from a given normal shock (GARCH’s innovation) has unit variance (3 SE, ν = 6)', () => {
    const n = 100_000;
    const t = standardizedStudentTFromNormal(stream(3, 0, 'chi2'), 6);
    const z = normalSampler(stream(3, 0, 'z'));
    const { v } = mv(Array.from({ length: n }, () => t(z())));
    // Var(x²) for standardised t_ν: E x⁴ − 1 = 3(ν−2)/(ν−4) − 1 = 5 at ν = 6
    const se = Math.sqrt(5) / Math.sqrt(n);
    expect(Math.abs(v - 1)).toBeLessThan(3 * se);
  });
  it('Poisson(λ) has mean λ (3 SE)', () => {
    const rng = stream(4, 0, 't');
    for (const lambda of [0.3, 4, 50]) {
      const n = 50_000;
      const xs = Array.from({ length: n }, () => poisson(rng, lambda));
      const { m } = mv(xs);
      expect(Math.abs(m - lambda)).toBeLessThan(3 * Math.sqrt(lambda / n));
    }
  });
  it('Pareto draws are at least x_m, with the right median x_m·2^(1/α)', () => {
    const rng = stream(5, 0, 't');
    const xs = Array.from({ length: 20_001 }, () => pareto(rng, 100, 1.5)).sort((a, b) => a - b);
    expect(xs[0]).toBeGreaterThanOrEqual(100);
    const med = 100 * 2 ** (1 / 1.5);
    expect(Math.abs(xs[10_000] - med) / med).toBeLessThan(0.03);
  });
  it('rejects invalid parameters with a RangeError', () => {
    expect(() => gammaSampler(stream(1, 0, 't'), 0)).toThrow(RangeError);
    expect(() => standardizedStudentTFromNormal(stream(1, 0, 't'), 2)).toThrow(RangeError);
    expect(() => poisson(stream(1, 0, 't'), -1)).toThrow(RangeError);
    expect(() => pareto(stream(1, 0, 't'), 0, 1)).toThrow(RangeError);
  });
});
