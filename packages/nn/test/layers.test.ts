import { Generator, ShapeError, ValueError, customGrad, matmul, mul, ones, tensor, tidy, type Tensor } from '@kwta/core';
import { gradcheck, gradcheckModule } from '@kwta/core/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AvgPool2d, BatchNorm1d, BatchNorm2d, Conv2d, Dropout, Flatten, GlobalAvgPool2d, Linear, MaxPool2d, Module, Sequential } from '../src/index.js';
import { uniformValues } from './values.js';

const seedArb = fc.integer({ min: 0, max: 2 ** 30 });
const dim = (g: Generator, lo: number, hi: number) => lo + g.int(hi - lo + 1);
const arr = (t: Tensor) => Array.from(t.dataSync());

describe('Linear', () => {
  it('computes x Wᵀ + b with PyTorch layout and default init bound 1/sqrt(in)', () => {
    const lin = new Linear(3, 2, { gen: new Generator(0) });
    expect(lin.weight.shape).toEqual([2, 3]);
    for (const v of [...arr(lin.weight), ...arr(lin.bias!)]) expect(Math.abs(v)).toBeLessThanOrEqual(1 / Math.sqrt(3));
    tidy(() => {
      const x = tensor([[1, 2, 3]]);
      const w = arr(lin.weight), b = arr(lin.bias!);
      const y = arr(lin.forward(x));
      expect(y[0]).toBeCloseTo(w[0] + 2 * w[1] + 3 * w[2] + b[0], 5);
      expect(y[1]).toBeCloseTo(w[3] + 2 * w[4] + 3 * w[5] + b[1], 5);
    });
  });

  it('is deterministic per seed and refuses a missing generator or wrong width', () => {
    expect(arr(new Linear(4, 3, { gen: new Generator(7) }).weight)).toEqual(arr(new Linear(4, 3, { gen: new Generator(7) }).weight));
    expect(() => new Linear(4, 3, {} as never)).toThrow(/Generator/);
    const lin = new Linear(4, 3, { gen: new Generator(1), bias: false });
    expect(lin.bias).toBeNull();
    expect(() => tidy(() => lin.forward(ones([2, 5])))).toThrow(ShapeError);
  });

  it('has analytic gradients equal to finite differences (input, weight, bias)', () => {
    fc.assert(
      fc.property(seedArb, (seed) => {
        const g = new Generator(seed);
        const [n, i, o] = [dim(g, 1, 3), dim(g, 1, 4), dim(g, 1, 4)];
        const lin = new Linear(i, o, { gen: g, dtype: 'float64' });
        const r = tidy(() => gradcheck((x) => lin.forward(x), [tensor(uniformValues(g, n * i), [n, i], 'float64')], { params: lin.namedParameters(), seed }));
        lin.dispose();
        expect(r.maxError, r.message).toBeLessThan(1e-6);
      }),
      { numRuns: 15 },
    );
  });
});

describe('Conv2d', () => {
  it('has analytic gradients equal to finite differences (stride, padding, bias)', () => {
    fc.assert(
      fc.property(seedArb, (seed) => {
        const g = new Generator(seed);
        const [c, f, k, stride, padding] = [dim(g, 1, 2), dim(g, 1, 3), dim(g, 1, 3), dim(g, 1, 2), g.int(2)];
        const [h, w] = [k + dim(g, 0, 3), k + dim(g, 0, 3)];
        const conv = new Conv2d(c, f, k, { gen: g, dtype: 'float64', stride, padding, bias: g.uniform() < 0.7 });
        const r = tidy(() => gradcheck((x) => conv.forward(x), [tensor(uniformValues(g, 2 * c * h * w), [2, c, h, w], 'float64')], { params: conv.namedParameters(), seed }));
        conv.dispose();
        expect(r.maxError, r.message).toBeLessThan(1e-6);
      }),
      { numRuns: 12 },
    );
  });

  it('uses bound 1/sqrt(C·kh·kw) and refuses inputs with the wrong channel count', () => {
    const conv = new Conv2d(2, 4, 3, { gen: new Generator(3) });
    expect(conv.weight.shape).toEqual([4, 2, 3, 3]);
    for (const v of arr(conv.weight)) expect(Math.abs(v)).toBeLessThanOrEqual(1 / Math.sqrt(18));
    expect(() => tidy(() => conv.forward(ones([1, 3, 5, 5])))).toThrow(/Conv2d\(2, 4.*\[N, 2, H, W\]/);
  });
});

describe('BatchNorm', () => {
  it('normalizes with the biased batch variance and tracks the unbiased one with momentum (PyTorch semantics)', () => {
    const bn = new BatchNorm1d(2, { dtype: 'float64' });
    const data = [1, 10, 2, 20, 4, 60];
    tidy(() => {
      const y = arr(bn.forward(tensor(data, [3, 2], 'float64')));
      const col0 = [1, 2, 4];
      const m = 7 / 3;
      const vb = col0.reduce((s, v) => s + (v - m) ** 2, 0) / 3;
      expect(y[0]).toBeCloseTo((1 - m) / Math.sqrt(vb + 1e-5), 10);
      const vu = (vb * 3) / 2;
      expect(arr(bn.runningMean!)[0]).toBeCloseTo(0.9 * 0 + 0.1 * m, 12);
      expect(arr(bn.runningVar!)[0]).toBeCloseTo(0.9 * 1 + 0.1 * vu, 12);
      expect(bn.numBatchesTracked!.item()).toBe(1);
    });
    bn.eval();
    tidy(() => {
      const rm = arr(bn.runningMean!), rv = arr(bn.runningVar!);
      const y = arr(bn.forward(tensor([[3, 30]], undefined, 'float64')));
      expect(y[0]).toBeCloseTo((3 - rm[0]) / Math.sqrt(rv[0] + 1e-5), 10);
      expect(y[1]).toBeCloseTo((30 - rm[1]) / Math.sqrt(rv[1] + 1e-5), 10);
      expect(bn.numBatchesTracked!.item()).toBe(1); // eval does not update
    });
  });

  it('momentum null is the cumulative average over batches', () => {
    const bn = new BatchNorm2d(1, { momentum: null, dtype: 'float64' });
    tidy(() => {
      bn.forward(tensor([1, 3, 5, 7], [1, 1, 2, 2], 'float64')); // mean 4
      bn.forward(tensor([0, 2, 2, 0], [1, 1, 2, 2], 'float64')); // mean 1
    });
    expect(arr(bn.runningMean!)[0]).toBeCloseTo(2.5, 12);
    expect(bn.numBatchesTracked!.item()).toBe(2);
  });

  it('refuses a single value per channel in training and wrong ranks', () => {
    const bn = new BatchNorm1d(3);
    expect(() => tidy(() => bn.forward(ones([1, 3])))).toThrow(/more than 1 value per channel/);
    expect(() => tidy(() => new BatchNorm2d(3).forward(ones([2, 3])))).toThrow(ShapeError);
    expect(() => new BatchNorm1d(3, { momentum: 2 })).toThrow(ValueError);
  });

  it('has analytic gradients equal to finite differences in train and eval mode', () => {
    fc.assert(
      fc.property(seedArb, fc.boolean(), fc.boolean(), (seed, conv, train) => {
        const g = new Generator(seed);
        const c = dim(g, 1, 3);
        const bn = conv ? new BatchNorm2d(c, { dtype: 'float64' }) : new BatchNorm1d(c, { dtype: 'float64' });
        // Non-trivial affine parameters and running statistics.
        tidy(() => {
          bn.weight!.assign(tensor(uniformValues(g, c, 0.5, 2), [c], 'float64'));
          bn.bias!.assign(tensor(uniformValues(g, c), [c], 'float64'));
          bn.runningMean!.assign(tensor(uniformValues(g, c), [c], 'float64'));
          bn.runningVar!.assign(tensor(uniformValues(g, c, 0.5, 2), [c], 'float64'));
        });
        bn.train(train);
        const shape = conv ? [dim(g, 1, 2), c, dim(g, 1, 3), 2] : [dim(g, 2, 4), c];
        const n = shape.reduce((a, b) => a * b, 1);
        const r = tidy(() => gradcheck((x) => bn.forward(x), [tensor(uniformValues(g, n, -2, 2), shape, 'float64')], { params: bn.namedParameters(), seed }));
        bn.dispose();
        expect(r.maxError, r.message).toBeLessThan(1e-5);
      }),
      { numRuns: 16 },
    );
  });
});

describe('pooling, flatten, sequential', () => {
  it('pool layers and flatten give PyTorch shapes and values', () => {
    tidy(() => {
      const x = tensor(Float32Array.from({ length: 16 }, (_, i) => i), [1, 1, 4, 4]);
      expect(arr(new MaxPool2d({ kernelSize: 2 }).forward(x))).toEqual([5, 7, 13, 15]);
      expect(arr(new AvgPool2d({ kernelSize: 2 }).forward(x))).toEqual([2.5, 4.5, 10.5, 12.5]);
      expect(arr(new GlobalAvgPool2d().forward(x))).toEqual([7.5]);
      expect(new Flatten().forward(x).shape).toEqual([1, 16]);
    });
  });

  it('Sequential names children 0, 1, ... in the state dict', () => {
    const g = new Generator(0);
    const s = new Sequential(new Linear(2, 3, { gen: g }), new Flatten(), new Linear(3, 1, { gen: g }));
    expect([...s.stateDict().keys()]).toEqual(['0.weight', '0.bias', '2.weight', '2.bias']);
    expect(s.numParameters()).toBe(2 * 3 + 3 + 3 + 1);
  });
});

describe('Dropout', () => {
  it('is seeded, scales survivors by 1/(1-p) in training, and is the identity in eval', () => {
    const run = (seed: number) => tidy(() => arr(new Dropout({ p: 0.25, gen: new Generator(seed) }).forward(ones([1000]))));
    const a = run(5);
    expect(a).toEqual(run(5));
    expect(a).not.toEqual(run(6));
    for (const v of a) expect([0, 4 / 3]).toContainEqual(expect.closeTo(v, 5));
    const dropped = a.filter((v) => v === 0).length;
    expect(dropped).toBeGreaterThan(180);
    expect(dropped).toBeLessThan(320);
    const d = new Dropout({ p: 0.5, gen: new Generator(1) }).eval();
    tidy(() => expect(arr(d.forward(ones([4])))).toEqual([1, 1, 1, 1]));
    tidy(() => expect(arr(new Dropout({ p: 1, gen: new Generator(1) }).forward(ones([4])))).toEqual([0, 0, 0, 0]));
    expect(() => new Dropout({ p: 1.5, gen: new Generator(1) })).toThrow(ValueError);
    expect(() => new Dropout({ p: 0.5 } as never)).toThrow(/Generator/);
  });
});

describe('gradcheckModule on nn modules', () => {
  it('a model checks through its input and every parameter (property)', () => {
    fc.assert(
      fc.property(seedArb, (seed) => {
        const g = new Generator(seed);
        const c = dim(g, 1, 2);
        const model = new Sequential(new Conv2d(c, 2, 2, { gen: g, dtype: 'float64' }), new Flatten(), new Linear(2 * 2 * 2, 3, { gen: g, dtype: 'float64' }));
        const r = gradcheckModule(model, [2, c, 3, 3], { seed });
        model.dispose();
        expect(r.maxError, r.message).toBeLessThan(1e-6);
      }),
      { numRuns: 8 },
    );
  });

  it('a layer with a wrong backward is named by its parameter path', () => {
    /** Linear whose weight gradient comes out twice too large (a deliberately wrong custom rule). */
    class BrokenLinear extends Module {
      readonly weight: Tensor;
      private readonly mm = customGrad((x: Tensor, w: Tensor) => ({
        value: matmul(x, w, { transposeB: true }),
        gradFunc: (dy) => [matmul(dy, w), mul(matmul(dy, x, { transposeA: true }), 2)],
      }), 'brokenMatmul');
      constructor() {
        super();
        this.weight = this.registerParameter('weight', tensor([[0.5, -0.3], [0.2, 0.8]], undefined, 'float64'));
      }
      forward(x: Tensor): Tensor {
        return this.mm(x, this.weight);
      }
    }
    const model = new Sequential(new Linear(3, 2, { gen: new Generator(1), dtype: 'float64' }), new BrokenLinear());
    const r = gradcheckModule(model, [4, 3]);
    expect(r.ok).toBe(false);
    expect(r.worst!.tensor).toBe('1.weight');
    expect(r.message).toMatch(/^gradcheck: gradient mismatch at 1\.weight \[2, 2\] element \d \(index \[\d, \d\]\)/);
    model.dispose();
  });
});
