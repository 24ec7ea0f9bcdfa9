import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ValueError } from '@kwta/core';
import { Z95, newcombeDifference, pctCi, pointsCi, wilson } from '../src/index.js';

/**
 * Known values: Newcombe (1998), "Two-sided confidence intervals for the single proportion",
 * Statistics in Medicine 17, Table II, method 3 (Wilson score, no continuity correction), to 4
 * decimals; the last two rows computed by hand from the formula with z = 1.959964 (the value
 * statsmodels' proportion_confint(method='wilson') also gives).
 */
const KNOWN: [number, number, number, number][] = [
  [81, 263, 0.2553, 0.3662],
  [15, 148, 0.0624, 0.1605],
  [0, 20, 0, 0.1611],
  [1, 29, 0.0061, 0.1718],
  [29, 29, 0.8830, 1],
  [485, 500, 0.9511, 0.9817],
];

describe('wilson: the 95% score interval for a proportion', () => {
  it.each(KNOWN)('%i of %i: [%f, %f]', (k, n, low, high) => {
    const ci = wilson(k, n);
    expect(ci.low).toBeCloseTo(low, 4);
    expect(ci.high).toBeCloseTo(high, 4);
  });

  it('contains the observed proportion, stays inside [0, 1], is symmetric under k -> n - k, and narrows as n grows', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 5000 }), fc.double({ min: 0, max: 1, noNaN: true }), (n, f) => {
      const k = Math.round(f * n);
      const ci = wilson(k, n);
      const mirror = wilson(n - k, n);
      expect(ci.low).toBeGreaterThanOrEqual(0);
      expect(ci.high).toBeLessThanOrEqual(1);
      expect(ci.low).toBeLessThanOrEqual(k / n + 1e-12);
      expect(ci.high).toBeGreaterThanOrEqual(k / n - 1e-12);
      expect(mirror.low).toBeCloseTo(1 - ci.high, 12);
      const wider = wilson(k, n);
      const fourTimes = wilson(4 * k, 4 * n);
      expect(fourTimes.high - fourTimes.low).toBeLessThan(wider.high - wider.low);
    }));
  });

  it('a larger z gives a wider interval; Z95 is the 97.5% normal quantile', () => {
    expect(Z95).toBeCloseTo(1.959964, 6);
    const a = wilson(40, 100), b = wilson(40, 100, 2.575829);
    expect(b.low).toBeLessThan(a.low);
    expect(b.high).toBeGreaterThan(a.high);
  });

  it('refuses counts that are not counts', () => {
    expect(() => wilson(3, 0)).toThrow(ValueError);
    expect(() => wilson(-1, 10)).toThrow(/successes must be an integer in \[0, 10\], got -1/);
    expect(() => wilson(11, 10)).toThrow(ValueError);
    expect(() => wilson(1.5, 10)).toThrow(ValueError);
    expect(() => wilson(1, 10, 0)).toThrow(/z must be/);
  });

  it('pctCi prints the percentage and its interval in points', () => {
    expect(pctCi(485, 500)).toBe('97.0% [95.1, 98.2]');
    expect(pctCi(0, 20)).toBe('0.0% [0.0, 16.1]');
    expect(pctCi(0, 0)).toBe('-');
  });
});

/**
 * Known values: Newcombe (1998), "Interval estimation for the difference between independent
 * proportions: comparison of eleven methods", Statistics in Medicine 17, Table II, method 10
 * (hybrid score, no continuity correction), to 4 decimals.
 */
const KNOWN_DIFFERENCES: [number, number, number, number, number, number][] = [
  [56, 70, 48, 80, 0.0524, 0.3339],
  [9, 10, 3, 10, 0.1705, 0.8090],
  [5, 56, 0, 29, -0.0381, 0.1926],
  [0, 10, 0, 20, -0.1611, 0.2775],
  [0, 10, 0, 10, -0.2775, 0.2775],
];

describe("newcombeDifference: the 95% hybrid score interval for a difference of proportions", () => {
  it.each(KNOWN_DIFFERENCES)('%i/%i - %i/%i: [%f, %f]', (k1, n1, k2, n2, low, high) => {
    const ci = newcombeDifference(k1, n1, k2, n2);
    expect(ci.low).toBeCloseTo(low, 4);
    expect(ci.high).toBeCloseTo(high, 4);
  });

  it('contains the observed difference, stays inside [-1, 1], flips sign when the two swap, and each bound lies within the Wilson bounds it is built from', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 3000 }), fc.integer({ min: 1, max: 3000 }), fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), (n1, n2, f1, f2) => {
      const k1 = Math.round(f1 * n1), k2 = Math.round(f2 * n2);
      const d = k1 / n1 - k2 / n2;
      const ci = newcombeDifference(k1, n1, k2, n2);
      const swapped = newcombeDifference(k2, n2, k1, n1);
      expect(ci.low).toBeGreaterThanOrEqual(-1);
      expect(ci.high).toBeLessThanOrEqual(1);
      expect(ci.low).toBeLessThanOrEqual(d + 1e-12);
      expect(ci.high).toBeGreaterThanOrEqual(d - 1e-12);
      expect(swapped.low).toBeCloseTo(-ci.high, 12);
      expect(swapped.high).toBeCloseTo(-ci.low, 12);
      // Never wider than the worst case of the two Wilson intervals taken together.
      const a = wilson(k1, n1), b = wilson(k2, n2);
      expect(ci.low).toBeGreaterThanOrEqual(a.low - b.high - 1e-12);
      expect(ci.high).toBeLessThanOrEqual(a.high - b.low + 1e-12);
    }));
  });

  it('checks its counts as wilson does', () => {
    expect(() => newcombeDifference(3, 2, 1, 2)).toThrow(ValueError);
    expect(() => newcombeDifference(1, 2, 1, 0)).toThrow(ValueError);
  });
});

describe('pointsCi: a difference in percentage points with its interval', () => {
  it('prints the difference signed, with its Newcombe bounds', () => {
    expect(pointsCi(56, 70, 48, 80)).toBe('+20.0 [5.2, 33.4]');
    expect(pointsCi(48, 80, 56, 70)).toBe('-20.0 [-33.4, -5.2]');
    expect(pointsCi(0, 10, 0, 10)).toBe('0.0 [-27.8, 27.8]');
    expect(pointsCi(1, 2, 0, 0)).toBe('-');
  });
});
