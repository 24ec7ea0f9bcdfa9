import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Generator, ValueError, add, clamp, maximum, minimum, mul, sign, sub, sum, tensor, valueAndGrad, type Tensor } from '@kwta/core';
import { maximizeInBall } from '../src/index.js';

/** A loss whose input gradient has mixed signs: sum(w * x^2) with w of both signs. */
function quadratic(w: Float32Array): (x: Tensor) => Tensor {
  const wt = tensor(w, [1, w.length]);
  return (x) => sum(mul(mul(x, x), wt));
}

/** The inner maximisation written out with tensor ops: signed steps, clipped into the ball and [0, 1]. */
function byHand(x: Tensor, loss: (x: Tensor) => Tensor, eps: number, steps: number, stepSize: number): Float32Array {
  const lo = maximum(sub(x, eps), 0), hi = minimum(add(x, eps), 1);
  let cur = x;
  for (let s = 0; s < steps; s++) {
    const [g] = valueAndGrad(loss)(cur).grads;
    cur = minimum(maximum(add(cur, mul(sign(g), stepSize)), lo), hi);
  }
  return clamp(cur, 0, 1).dataSync() as Float32Array;
}

const row = (n: number) => fc.float32Array({ minLength: n, maxLength: n, min: 0, max: 1, noNaN: true });

describe('maximizeInBall: adversarial training\'s inner maximisation on the attacks\' blocks', () => {
  it('from x: the signed steps of a hand-written L-inf PGD, inside the ball and [0, 1]', () => {
    fc.assert(fc.property(row(12), row(12), fc.double({ min: 0, max: 0.3, noNaN: true }), fc.integer({ min: 0, max: 5 }), (xs, ws, eps, steps) => {
      const w = Float32Array.from(ws, (v) => v - 0.5);
      const x = tensor(xs, [2, 6]);
      const loss = quadratic(w.subarray(0, 6));
      const got = maximizeInBall(x, loss, { eps, steps, stepSize: eps / 2, start: 'none', gen: new Generator(1) }).dataSync();
      const want = byHand(x, loss, eps, steps, eps / 2);
      for (let i = 0; i < xs.length; i++) {
        expect(got[i]).toBeCloseTo(want[i], 6);
        expect(Math.abs(got[i] - xs[i])).toBeLessThanOrEqual(eps);
        expect(got[i] >= 0 && got[i] <= 1).toBe(true);
      }
    }), { numRuns: 40 });
  });

  it('random starts stay inside the ball and [0, 1] and repeat under a seed; a bad option is a ValueError', () => {
    const x = tensor(Float32Array.from({ length: 20 }, (_, i) => i / 19), [2, 10]);
    const loss = quadratic(Float32Array.from({ length: 10 }, (_, i) => (i % 2 ? 1 : -1)));
    for (const start of ['uniform', 'normal'] as const) {
      const run = (seed: number) => Array.from(maximizeInBall(x, loss, { eps: 0.1, steps: 3, stepSize: 0.03, start, gen: new Generator(seed) }).dataSync());
      const a = run(4);
      expect(run(4)).toEqual(a);
      expect(run(5)).not.toEqual(a);
      const xs = x.dataSync();
      a.forEach((v, i) => {
        expect(Math.abs(v - xs[i])).toBeLessThanOrEqual(0.1 + 1e-7);
        expect(v >= 0 && v <= 1).toBe(true);
      });
    }
    expect(() => maximizeInBall(x, loss, { eps: -1, steps: 1, stepSize: 0.1, start: 'none', gen: new Generator(1) })).toThrow(ValueError);
    expect(() => maximizeInBall(x, loss, { eps: 0.1, steps: 1.5, stepSize: 0.1, start: 'none', gen: new Generator(1) })).toThrow(/steps must be a non-negative integer/);
  });
});
