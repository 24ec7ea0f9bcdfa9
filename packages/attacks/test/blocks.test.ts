import { Generator, ShapeError, ValueError, tensor } from '@kwta/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ascentDirection, distance, hyperplaneProjection, normOf, projectRow, projectToThreat, randomStart, randomStartRow, steepestStep, type Norm, type StartKind } from '../src/index.js';

const seedArb = fc.integer({ min: 1, max: 1e6 });

/** Project v onto the L1 ball of radius eps around x, inside [0, 1], as float64. */
function projectL1(v: number[], x: number[], eps: number): number[] {
  const adv = Float64Array.from(v);
  projectRow(adv, Float64Array.from(x), 0, x.length, { eps, norm: 'l1', bounds: [0, 1] });
  return Array.from(adv);
}

const l1 = (a: number[], b: number[]) => a.reduce((s, v, j) => s + Math.abs(v - b[j]), 0);
const sq = (a: number[], b: number[]) => a.reduce((s, v, j) => s + (v - b[j]) ** 2, 0);

describe('projection onto the L1 ball intersected with the box', () => {
  it('lands in the ball and the box, and projecting again changes nothing', () => {
    fc.assert(
      fc.property(seedArb, fc.integer({ min: 1, max: 40 }), fc.double({ min: 0, max: 3, noNaN: true }), (seed, n, eps) => {
        const g = new Generator(seed);
        const x = Array.from({ length: n }, () => g.uniform());
        const v = x.map((xi) => xi + 2 * (g.uniform() - 0.5));
        const p = projectL1(v, x, eps);
        expect(l1(p, x)).toBeLessThanOrEqual(eps);
        expect(p.every((t) => t >= 0 && t <= 1)).toBe(true);
        const again = projectL1(p, x, eps);
        again.forEach((t, j) => expect(t).toBeCloseTo(p[j], 12));
      }),
      { numRuns: 300 },
    );
  });

  it('is the closest point: no point of a fine grid over the feasible set is closer (2 and 3 coordinates)', () => {
    fc.assert(
      fc.property(seedArb, fc.integer({ min: 2, max: 3 }), (seed, n) => {
        const g = new Generator(seed);
        const x = Array.from({ length: n }, () => g.uniform());
        const v = x.map((xi) => xi + 1.6 * (g.uniform() - 0.5));
        const eps = 0.05 + 0.6 * g.uniform();
        const p = projectL1(v, x, eps);
        const best = sq(p, v);
        const steps = n === 2 ? 300 : 60;
        const grid = (k: number) => k / steps;
        let worstGap = Infinity;
        const visit = (z: number[]) => {
          if (l1(z, x) <= eps) worstGap = Math.min(worstGap, sq(z, v) - best);
        };
        for (let a = 0; a <= steps; a++) {
          for (let b = 0; b <= steps; b++) {
            if (n === 2) visit([grid(a), grid(b)]);
            else for (let c = 0; c <= steps; c++) visit([grid(a), grid(b), grid(c)]);
          }
        }
        // The projection is at least as close as every grid point (up to float error).
        expect(worstGap).toBeGreaterThanOrEqual(-1e-12);
        // ... and the variational inequality (v - p).(z - p) <= 0 holds at random feasible z.
        for (let t = 0; t < 200; t++) {
          const z = projectL1(x.map(() => g.uniform()), x, eps);
          expect(v.reduce((s, vj, j) => s + (vj - p[j]) * (z[j] - p[j]), 0)).toBeLessThanOrEqual(1e-12);
        }
      }),
      { numRuns: 25 },
    );
  });

  it('stays inside exactly after float32 rounding, for every norm', () => {
    fc.assert(
      fc.property(seedArb, fc.constantFrom<Norm>('linf', 'l2', 'l1'), fc.double({ min: 0, max: 2, noNaN: true }), (seed, norm, eps) => {
        const g = new Generator(seed);
        const len = 1 + g.int(60);
        const x = Float32Array.from({ length: len }, () => g.uniform());
        const adv = Float32Array.from(x, (v) => v + 3 * (g.uniform() - 0.5));
        projectRow(adv, x, 0, len, { eps, norm, bounds: [0, 1] });
        expect(distance(adv, x, 0, len, norm)).toBeLessThanOrEqual(eps);
        expect(adv.every((v) => v >= 0 && v <= 1)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});

describe('random starts and steps', () => {
  it('start inside the threat set, from the given stream', () => {
    fc.assert(
      fc.property(seedArb, fc.constantFrom<Norm>('linf', 'l2', 'l1'), fc.constantFrom<StartKind>('uniform', 'apgd'), (seed, norm, kind) => {
        const g = new Generator(seed);
        const x = Float32Array.from({ length: 30 }, () => g.uniform());
        const eps = { linf: 0.1, l2: 0.5, l1: 2 }[norm];
        const a = x.slice();
        const b = x.slice();
        randomStartRow(a, x, 0, 30, { eps, norm, bounds: [0, 1] }, new Generator(seed), kind);
        randomStartRow(b, x, 0, 30, { eps, norm, bounds: [0, 1] }, new Generator(seed), kind);
        expect(Array.from(a)).toEqual(Array.from(b));
        expect(distance(a, x, 0, 30, norm)).toBeLessThanOrEqual(eps);
        expect(distance(a, x, 0, 30, norm)).toBeGreaterThan(0);
      }),
      { numRuns: 60 },
    );
  });

  it('the L-inf apgd start has a coordinate at eps before clipping; the L2 one lies on the sphere when the box allows', () => {
    const x = new Float32Array(50).fill(0.5);
    const a = x.slice();
    randomStartRow(a, x, 0, 50, { eps: 0.1, norm: 'linf', bounds: [0, 1] }, new Generator(3), 'apgd');
    expect(distance(a, x, 0, 50, 'linf')).toBeCloseTo(0.1, 6);
    randomStartRow(a, x, 0, 50, { eps: 0.3, norm: 'l2', bounds: [0, 1] }, new Generator(3), 'apgd');
    expect(distance(a, x, 0, 50, 'l2')).toBeCloseTo(0.3, 5);
  });

  it('unit steepest-ascent directions: sign, normalised, and the sparse L1 step', () => {
    const g = [0.5, -2, 0, 1, -0.1, 3, 0.2, -0.4, 0.05, 1.5];
    const out = new Float64Array(10);
    ascentDirection(g, 0, 10, 'linf', out);
    expect(Array.from(out)).toEqual(g.map(Math.sign));
    ascentDirection(g, 0, 10, 'l2', out);
    expect(normOf(out, 0, 10, 'l2')).toBeCloseTo(1, 12);
    ascentDirection(g, 0, 10, 'l1', out, 0.2);
    // The top 20% by |g| (3 and -2) share the unit L1 mass with their signs.
    expect(Array.from(out)).toEqual([0, -0.5, 0, 0, 0, 0.5, 0, 0, 0, 0]);
  });

  it('tensor-level blocks: projectToThreat, randomStart and steepestStep keep shape and dtype and land in the set', () => {
    const gen = new Generator(9);
    const x = tensor(Float32Array.from({ length: 2 * 3 * 4 }, () => gen.uniform()), [2, 3, 4]);
    for (const norm of ['linf', 'l2', 'l1'] as const) {
      const threat = { eps: 0.2, norm, bounds: [0, 1] as const };
      const start = randomStart(x, threat, gen, 'uniform');
      const grad = tensor(Float32Array.from({ length: 24 }, () => gen.normal()), [2, 3, 4]);
      const stepped = steepestStep(start, grad, norm, 0.3);
      const p = projectToThreat(stepped, x, threat);
      expect(p.shape).toEqual([2, 3, 4]);
      expect(p.dtype).toBe('float32');
      for (let r = 0; r < 2; r++) expect(distance(p.dataSync(), x.dataSync(), r * 12, 12, norm)).toBeLessThanOrEqual(0.2);
      const moved = Array.from(stepped.dataSync()).map((v, j) => v - start.dataSync()[j]);
      for (let r = 0; r < 2; r++) expect(normOf(moved, r * 12, 12, norm)).toBeCloseTo(0.3, 5);
    }
    expect(() => projectToThreat(tensor([[0.5]]), x, { eps: 0.1, norm: 'linf', bounds: [0, 1] })).toThrow(ShapeError);
    expect(() => randomStart(x, { eps: -1, norm: 'linf', bounds: [0, 1] }, gen)).toThrow(ValueError);
  });
});

describe("FAB's projection onto a hyperplane inside the box", () => {
  it('reaches the hyperplane with the dual-norm distance |w.t - b| / ||w||_q when the box is not in the way', () => {
    fc.assert(
      fc.property(seedArb, fc.constantFrom<Norm>('linf', 'l2', 'l1'), (seed, norm) => {
        const g = new Generator(seed);
        const n = 3 + g.int(20);
        const t = Array.from({ length: n }, () => 0.4 + 0.2 * g.uniform());
        const w = Array.from({ length: n }, () => g.normal());
        const dual = { linf: 'l1', l2: 'l2', l1: 'linf' }[norm] as Norm;
        // A hyperplane at dual-norm distance 0.01 * ||w||_q * s: close enough that no coordinate reaches the box.
        const gap = 0.01 * (0.2 + g.uniform()) * normOf(w, 0, n, dual) * (g.uniform() < 0.5 ? -1 : 1);
        const b = w.reduce((s, wj, j) => s + wj * t[j], 0) + gap;
        const d = new Float64Array(n);
        hyperplaneProjection(t, w, b, 0, 1, norm, d);
        expect(w.reduce((s, wj, j) => s + wj * (t[j] + d[j]), 0)).toBeCloseTo(b, 10);
        expect(normOf(d, 0, n, norm)).toBeCloseTo(Math.abs(gap) / normOf(w, 0, n, dual), 10);
      }),
      { numRuns: 100 },
    );
  });

  it('goes to the closest box corner when the hyperplane is out of reach, and never leaves the box', () => {
    fc.assert(
      fc.property(seedArb, fc.constantFrom<Norm>('linf', 'l2', 'l1'), (seed, norm) => {
        const g = new Generator(seed);
        const n = 2 + g.int(10);
        const t = Array.from({ length: n }, () => g.uniform());
        const w = Array.from({ length: n }, () => g.normal());
        const b = w.reduce((s, wj, j) => s + wj * t[j], 0) + (g.uniform() < 0.5 ? -1 : 1) * 100;
        const d = new Float64Array(n);
        hyperplaneProjection(t, w, b, 0, 1, norm, d);
        const z = t.map((tj, j) => tj + d[j]);
        z.forEach((v) => {
          expect(v).toBeGreaterThanOrEqual(-1e-12);
          expect(v).toBeLessThanOrEqual(1 + 1e-12);
        });
        // Out of reach: every coordinate is pushed to the end that moves w.z towards b.
        const up = b > 0;
        z.forEach((v, j) => expect(v).toBeCloseTo((w[j] > 0) === up ? 1 : 0, 12));
      }),
      { numRuns: 100 },
    );
  });
});
