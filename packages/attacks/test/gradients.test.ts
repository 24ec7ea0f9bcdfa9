import { Generator, kWinners, noGrad, sum, tensor, tidy, valueAndGrad, type Tensor } from '@kwta/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { attackObjective, kwtaSmooth, kwtaStraightThrough, projectRow, sigmoidGate, straightThrough, type AttackLoss } from '../src/index.js';

/** Distinct values at least `gap` apart in random order (no ties for max / top-k). */
function distinct(gen: Generator, n: number, gap = 0.3): number[] {
  const v = Array.from({ length: n }, (_, i) => i * gap + 0.1 * gen.uniform());
  gen.shuffle(v);
  return v.map((a) => a - (n * gap) / 2);
}

/** Max relative error between the tape gradient of f and central differences, in float64. */
function gradError(f: (x: Tensor) => Tensor, values: number[], shape: number[], h = 1e-6): number {
  return tidy(() => {
    const x = tensor(Float64Array.from(values), shape, 'float64');
    const { grads } = valueAndGrad((t: Tensor) => sum(f(t)))(x);
    const analytic = grads[0].dataSync();
    let worst = 0;
    for (let i = 0; i < values.length; i++) {
      const at = (d: number) => noGrad(() => sum(f(tensor(Float64Array.from(values, (v, j) => (j === i ? v + d : v)), shape, 'float64'))).item());
      const numeric = (at(h) - at(-h)) / (2 * h);
      worst = Math.max(worst, Math.abs(numeric - analytic[i]) / Math.max(1, Math.abs(numeric)));
    }
    return worst;
  });
}

describe('attack objectives: gradients match central differences (float64)', () => {
  for (const loss of ['ce', 'margin', 'dlr'] as AttackLoss[]) {
    for (const targeted of [false, true]) {
      it(`${loss}${targeted ? ' targeted' : ''}`, () => {
        fc.assert(
          fc.property(fc.integer({ min: 1, max: 1e6 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 4, max: 6 }), (seed, n, c) => {
            const gen = new Generator(seed);
            const values = Array.from({ length: n }, () => distinct(gen, c)).flat();
            const labels = Int32Array.from({ length: n }, () => gen.int(c));
            const targets = Int32Array.from(labels, (l) => (l + 1 + gen.int(c - 1)) % c);
            const goal = targeted ? targets : labels;
            expect(gradError((z) => attackObjective(z, goal, targeted, loss, labels), values, [n, c])).toBeLessThan(1e-5);
          }),
          { numRuns: 15 },
        );
      });
    }
  }

  it('margin is positive exactly when the attack has succeeded', () => {
    const z = tensor([[3, 1, 2], [0, 5, 1]]);
    const m = attackObjective(z, Int32Array.from([0, 0]), false, 'margin').dataSync();
    expect(Array.from(m)).toEqual([-1, 5]);
  });
});

describe('BPDA pieces', () => {
  it('sigmoidGate (the smooth k-WTA backward): gradient matches central differences', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1e6 }), fc.integer({ min: 2, max: 9 }), (seed, width) => {
        const gen = new Generator(seed);
        const values = [...distinct(gen, width), ...distinct(gen, width)];
        const threshold = tensor(Float64Array.from([gen.normal(), gen.normal()]), [2, 1], 'float64');
        const scale = tensor(Float64Array.from([0.2 + gen.uniform(), 0.2 + gen.uniform()]), [2, 1], 'float64');
        expect(gradError((t) => sigmoidGate(t, threshold, scale), values, [2, width])).toBeLessThan(1e-6);
      }),
      { numRuns: 20 },
    );
  });

  it('kwtaSmooth gates winners on and losers off', () => {
    const x = tensor(Float64Array.from([5, 4, -1, -2, 0]), [1, 5], 'float64');
    const y = Array.from(kwtaSmooth(x, 2).dataSync());
    expect(y[0]).toBeGreaterThan(0.95 * 5);
    expect(y[1]).toBeGreaterThan(0.9 * 4);
    expect(Math.abs(y[2]) + Math.abs(y[3]) + Math.abs(y[4])).toBeLessThan(0.1);
    expect(() => kwtaSmooth(x, 6)).toThrow(/k must be an integer in \[1, 5\]/);
  });

  it('straightThrough: the value is exactly the exact function, the gradient is the smooth one', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1e6 }), (seed) => {
        const gen = new Generator(seed);
        const values = distinct(gen, 10);
        tidy(() => {
          const x = tensor(Float64Array.from(values), [2, 5], 'float64');
          const y = kwtaStraightThrough(x, 2);
          expect(Array.from(y.dataSync())).toEqual(Array.from(kWinners(x, 2).dataSync()));
          const st = straightThrough((t) => t.square(), (t) => t.mul(3));
          const { value, grads } = valueAndGrad((t: Tensor) => sum(st(t)))(x);
          expect(value.item()).toBeCloseTo(values.reduce((a, v) => a + v * v, 0), 10);
          expect(Array.from(grads[0].dataSync())).toEqual(values.map(() => 3));
        });
      }),
      { numRuns: 20 },
    );
  });

  it('kwtaStraightThrough passes gradient to near-threshold losers, kWinners does not', () => {
    const x = tensor(Float64Array.from([3, 2.9, 0.5, -1]), [1, 4], 'float64');
    const hard = valueAndGrad((t: Tensor) => sum(kWinners(t, 1)))(x).grads[0].dataSync();
    const soft = valueAndGrad((t: Tensor) => sum(kwtaStraightThrough(t, 1)))(x).grads[0].dataSync();
    expect(hard[1]).toBe(0);
    expect(Math.abs(soft[1])).toBeGreaterThan(0.1);
  });
});

describe('projection', () => {
  it('always lands inside the ball and the bounds, exactly, in float32', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1e6 }),
        fc.constantFrom('linf' as const, 'l2' as const),
        fc.double({ min: 0, max: 2, noNaN: true }),
        (seed, norm, eps) => {
          const gen = new Generator(seed);
          const len = 1 + gen.int(40);
          const x = Float32Array.from({ length: len }, () => gen.uniform());
          const adv = Float32Array.from(x, (v) => v + 3 * (gen.uniform() - 0.5));
          projectRow(adv, x, 0, len, { eps, norm, bounds: [0, 1] });
          let d = 0;
          for (let j = 0; j < len; j++) d = norm === 'linf' ? Math.max(d, Math.abs(adv[j] - x[j])) : d + (adv[j] - x[j]) ** 2;
          expect(norm === 'linf' ? d : Math.sqrt(d)).toBeLessThanOrEqual(eps);
          expect(adv.every((v) => v >= 0 && v <= 1)).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('refuses NaN iterates instead of passing them on', () => {
    const x = new Float32Array([0.5, 0.5]);
    expect(() => projectRow(new Float32Array([0.5, Number.NaN]), x, 0, 2, { eps: 0.1, norm: 'linf', bounds: [0, 1] })).toThrow(/non-finite value NaN/);
  });
});
