import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DTypeError, Generator, ValueError, add, customGrad, gather, matmul, mul, sigmoid, tanh, tensor, tidy, type Tensor } from '../src/index.js';
import { arbitraryShape, arbitraryTensor, gradcheck, gradcheckModule } from '../src/testing/index.js';

// The gradient-testing kit users get from @kwta/core/testing: gradcheck, gradcheckModule and
// the fast-check tensor arbitraries, each shown catching a deliberately wrong backward.

const FC_SEED = 20260101;

/** Reverse the last axis, with a correct backward or with a bug: dy passed back unreversed. */
function reverse(buggy: boolean): (x: Tensor) => Tensor {
  return customGrad((x: Tensor) => {
    const n = x.shape[x.rank - 1];
    const idx = tensor(Int32Array.from({ length: n }, (_, i) => n - 1 - i));
    return { value: gather(x, idx, x.rank - 1), gradFunc: (dy) => [buggy ? dy : gather(dy, idx, dy.rank - 1)] };
  }, buggy ? 'reverseBuggy' : 'reverse');
}

/** sigmoid with its derivative written wrong: y(1 + y) instead of y(1 - y). */
const badSigmoid = customGrad((x: Tensor) => {
  const y = sigmoid(x);
  return { value: y, gradFunc: (dy) => [mul(dy, mul(y, add(y, 1)))] };
}, 'badSigmoid');

describe('gradcheck', () => {
  it('passes correct gradients, with the worst element and both values', () => {
    tidy(() => {
      const r = gradcheck((a, b) => tanh(matmul(a, b)), [tensor([[0.3, -0.2, 0.5]]), tensor([[1], [0.5], [-0.7]])]);
      expect(r.ok, r.message).toBe(true);
      expect(r.maxError).toBeLessThan(1e-8);
      expect(r.worst!.tensor).toMatch(/^input [01]$/);
      expect(Math.abs(r.worst!.analytic - r.worst!.numeric)).toBeLessThan(1e-8);
      expect(r.message).toMatch(/^gradcheck: ok/);
    });
  });

  it('a deliberately wrong custom gradient fails, naming the input and the element', () => {
    tidy(() => {
      const x = tensor([[0.5, -1, 2]]);
      const r = gradcheck((t) => badSigmoid(t), [x]);
      expect(r.ok).toBe(false);
      expect(r.worst).toMatchObject({ tensor: 'input 0' });
      const { element, index, analytic, numeric } = r.worst!;
      // The check is on sum(y * R), R drawn from seed 0 as the options document.
      const gen = new Generator(0);
      const R = [0, 1, 2].map(() => gen.uniform() * 2 - 1);
      const v = [0.5, -1, 2][element], s = 1 / (1 + Math.exp(-v));
      expect(index).toEqual([0, element]);
      expect(numeric).toBeCloseTo(s * (1 - s) * R[element], 8);
      expect(analytic).toBeCloseTo(s * (1 + s) * R[element], 12);
      expect(analytic).not.toBeCloseTo(numeric, 3);
      expect(r.message).toMatch(new RegExp(`^gradcheck: gradient mismatch at input 0 \\[1, 3\\] element ${element} \\(index \\[0, ${element}\\]\\): analytic -?[0-9.e-]+, numeric -?[0-9.e-]+, error [0-9.e+-]+ > tolerance 0.00001$`));
    });
  });

  it('checks only floating-point inputs, leaves its inputs as they were, and refuses bad options', () => {
    tidy(() => {
      const x = tensor([1.5, -0.5, 2]);
      const idx = tensor(Int32Array.from([2, 0]));
      const r = gradcheck((t, i) => gather(t, i).square(), [x, idx]);
      expect(r.ok, r.message).toBe(true);
      expect(Array.from(x.dataSync())).toEqual([1.5, -0.5, 2]);
      expect(x.dtype).toBe('float32'); // checked through a float64 copy
      expect(() => gradcheck((t) => t, [x], { eps: 0 })).toThrow(ValueError);
      expect(() => gradcheck((t) => t, [idx], { wrt: [0] })).toThrow(DTypeError);
      expect(() => gradcheck((t) => t, [x], { wrt: [1] })).toThrow(/wrt names input 1/);
    });
  });
});

describe('gradcheckModule', () => {
  /** A linear layer as a plain object; its weight gradient optionally wrong by a factor of 2. */
  function linear(wrongWeightGrad: boolean) {
    const weight = tensor([[0.2, -0.4], [0.7, 0.1], [-0.3, 0.5]], undefined, 'float64').keep();
    const bias = tensor([0.1, -0.2], undefined, 'float64').keep();
    const mm = customGrad((x: Tensor, w: Tensor) => ({
      value: matmul(x, w),
      gradFunc: (dy) => [matmul(dy, w, { transposeB: true }), mul(matmul(x, dy, { transposeA: true }), wrongWeightGrad ? 2 : 1)],
    }), 'mm');
    return {
      forward: (x: Tensor) => add(mm(x, weight), bias),
      namedParameters: (): [string, Tensor][] => [['weight', weight], ['bias', bias]],
    };
  }

  it('checks the input and every parameter, and names the parameter a wrong rule breaks', () => {
    const good = gradcheckModule(linear(false), [4, 3], { seed: 3 });
    expect(good.ok, good.message).toBe(true);
    const bad = gradcheckModule(linear(true), [4, 3], { seed: 3 });
    expect(bad.ok).toBe(false);
    expect(bad.worst!.tensor).toBe('weight');
    expect(bad.message).toMatch(/gradient mismatch at weight \[3, 2\] element \d/);
  });

  it('refuses float32 parameters with a message saying what to do', () => {
    const w = tensor([[1, 2]]).keep();
    const m = { forward: (x: Tensor) => matmul(x, w), namedParameters: (): [string, Tensor][] => [['w', w]] };
    expect(() => gradcheckModule(m, [1, 1])).toThrow(/parameter 'w' is float32; gradcheck needs float64/);
  });
});

describe('tensor arbitraries', () => {
  it('draw tensors within the shape, dtype and value bounds asked for', () => {
    fc.assert(
      fc.property(
        arbitraryTensor({ rank: { min: 2, max: 3 }, minDim: 2, maxDim: 3, dtype: 'float32', min: -1, max: 3, awayFromZero: 0.5 }),
        arbitraryTensor({ shape: [2, 5], distinct: 0.25, min: -2, max: 2, awayFromZero: 0.5 }),
        arbitraryTensor({ shape: [3], dtype: 'int32', min: -4, max: 4, distinct: true }),
        (a, b, c) => {
          expect(a.rank).toBeGreaterThanOrEqual(2);
          expect(a.rank).toBeLessThanOrEqual(3);
          for (const d of a.shape) expect([2, 3]).toContain(d);
          expect(a.dtype).toBe('float32');
          for (const v of a.dataSync()) expect(v >= -1 && v <= 3 && Math.abs(v) >= 0.5).toBe(true);
          expect(b.shape).toEqual([2, 5]);
          const sorted = Array.from(b.dataSync()).sort((x, y) => x - y);
          for (let i = 1; i < sorted.length; i++) expect(sorted[i] - sorted[i - 1]).toBeGreaterThanOrEqual(0.25 - 1e-12);
          for (const v of sorted) expect(Math.abs(v)).toBeGreaterThanOrEqual(0.5);
          expect(c.dtype).toBe('int32');
          expect(new Set(c.dataSync()).size).toBe(3);
        },
      ),
      { seed: FC_SEED, numRuns: 50 },
    );
  });

  it('a property over them finds a wrong backward and shrinks it to a minimal tensor', () => {
    // The bug (dy passed back unreversed) needs a last axis of length 2 or more to show; every
    // value is irrelevant to a linear op. So the minimal counterexample is [0, 0] of shape [2].
    expect(fc.check(fc.property(arbitraryTensor({ maxDim: 5 }), (x) => gradcheck(reverse(false), [x]).ok), { seed: FC_SEED }).failed).toBe(false);
    const run = fc.check(fc.property(arbitraryTensor({ maxDim: 5 }), (x) => gradcheck(reverse(true), [x]).ok), { seed: FC_SEED });
    expect(run.failed).toBe(true);
    const [x] = run.counterexample as [Tensor];
    expect(fc.stringify(run.counterexample)).toBe("[tensor([0,0], [2], 'float64')]");
    expect(x.shape).toEqual([2]);
    expect(gradcheck(reverse(true), [x]).message).toMatch(/gradient mismatch at input 0 \[2\] element [01]/);
  });

  it('shrink a wrong derivative to the simplest value that shows it', () => {
    const run = fc.check(fc.property(arbitraryTensor(), (x) => gradcheck(badSigmoid, [x]).ok), { seed: FC_SEED });
    expect(run.failed).toBe(true);
    expect(fc.stringify(run.counterexample)).toBe("[tensor([0], [1], 'float64')]");
  });

  it('refuse bounds that cannot be met', () => {
    expect(() => arbitraryTensor({ min: 1, max: 0 })).toThrow(ValueError);
    expect(() => arbitraryTensor({ min: -1, max: 1, awayFromZero: 2 })).toThrow(/leaves no value/);
    expect(() => arbitraryShape({ rank: { min: 3, max: 1 } })).toThrow(ValueError);
    expect(() => fc.sample(arbitraryTensor({ shape: [10], distinct: 0.5, min: 0, max: 1 }), 1)).toThrow(/do not fit/);
    // 13 grid points in [-3, 3] a step of 0.5 apart, 3 of them closer to zero than 1: 10 remain.
    expect(fc.sample(arbitraryTensor({ shape: [10], distinct: 0.5, min: -3, max: 3, awayFromZero: 1 }), 3)).toHaveLength(3);
    expect(() => fc.sample(arbitraryTensor({ shape: [11], distinct: 0.5, min: -3, max: 3, awayFromZero: 1 }), 1)).toThrow(/do not fit/);
  });
});
