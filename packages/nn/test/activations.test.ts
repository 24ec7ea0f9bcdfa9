import { Generator, ValueError, add, mul, randn, tensor, tidy, type Tensor } from '@kwta/core';
import { gradcheck } from '@kwta/core/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DenseNet, KWTA, KWTAChannel, KWTAFixedK, LWTA, Linear, MnistCnn, ReLU, Sequential, captureActivationPatterns, countPatternChanges, kFromGamma, mnistCnn, replaceActivations, resnet18,
  setSparsity, vgg19, wideResNet,
} from '../src/index.js';
import { distinctValues } from './values.js';

const seedArb = fc.integer({ min: 0, max: 2 ** 30 });
const dim = (g: Generator, lo: number, hi: number) => lo + g.int(hi - lo + 1);
const arr = (t: Tensor) => Array.from(t.dataSync());

describe('KWTA (the paper’s k-WTA over the whole sample)', () => {
  it('keeps exactly floor(gamma * C*H*W) values per sample and zeroes the rest', () => {
    tidy(() => {
      const x = tensor([[[[5, -1], [3, 8]], [[0.5, 7, ], [-4, 2]]]]); // [1, 2, 2, 2], N = 8
      const y = arr(new KWTA({ gamma: 0.4 }).forward(x)); // k = floor(3.2) = 3 → 8, 7, 5
      expect(y).toEqual([5, 0, 0, 8, 0, 7, 0, 0]);
    });
  });

  it('breaks ties toward the lower index so exactly k survive', () => {
    tidy(() => {
      const y = arr(new KWTA({ gamma: 0.5 }).forward(tensor([[1, 3, 3, 3, 3, 0]]))); // k = 3
      expect(y).toEqual([0, 3, 3, 3, 0, 0]);
      const all = arr(new KWTA({ gamma: 0.25 }).forward(tensor([[2, 2, 2, 2, 2, 2, 2, 2]]))); // k = 2
      expect(all).toEqual([2, 2, 0, 0, 0, 0, 0, 0]);
    });
  });

  it('counts exactly k nonzeros per sample on random inputs (property)', () => {
    fc.assert(
      fc.property(seedArb, fc.double({ min: 0.01, max: 1, noNaN: true }), (seed, gamma) => {
        const g = new Generator(seed);
        const shape = [dim(g, 1, 3), dim(g, 1, 4), dim(g, 1, 4), dim(g, 1, 4)];
        const n = shape[1] * shape[2] * shape[3];
        fc.pre(Math.floor(gamma * n) >= 1);
        tidy(() => {
          // Shift so every value is positive: a kept value is never 0.
          const y = arr(new KWTA({ gamma }).forward(add(randn(shape, g).abs(), 1)));
          for (let s = 0; s < shape[0]; s++) expect(y.slice(s * n, (s + 1) * n).filter((v) => v !== 0).length).toBe(Math.floor(gamma * n));
        });
      }),
      { numRuns: 40 },
    );
  });

  it('refuses gamma outside (0, 1] and a k of 0, naming gamma and N', () => {
    for (const gamma of [0, -0.1, 1.5, NaN]) expect(() => new KWTA({ gamma })).toThrow(ValueError);
    expect(() => new KWTA({ gamma: 0 })).toThrow(/gamma .* must be in \(0, 1\], got 0/);
    expect(() => tidy(() => new KWTA({ gamma: 0.1 }).forward(tensor([[1, 2, 3, 4, 5]])))).toThrow(/floor\(0\.1 \* 5\) = 0 .*N = 5/);
    expect(() => tidy(() => new KWTA({ gamma: 1 }).forward(tensor([1, 2])))).toThrow(/\[N, \.\.\.features\]/);
    expect(kFromGamma('x', 0.1, 30, 's')).toBe(3);
  });

  it('passes gradient to the winners only, equal to finite differences away from ties', () => {
    fc.assert(
      fc.property(seedArb, (seed) => {
        const g = new Generator(seed);
        const shape = [dim(g, 1, 2), dim(g, 1, 3), dim(g, 1, 3), dim(g, 2, 3)];
        const n = shape.reduce((a, b) => a * b, 1);
        const layer = g.uniform() < 0.5 ? new KWTA({ gamma: 0.05 + 0.9 * g.uniform() }) : new KWTAChannel({ gamma: 0.5 + 0.5 * g.uniform() });
        fc.pre(Math.floor(layer.gamma * (layer instanceof KWTA ? n / shape[0] : shape[2] * shape[3])) >= 1);
        const r = tidy(() => gradcheck((x) => layer.forward(x), [tensor(distinctValues(g, n), shape, 'float64')], { seed }));
        expect(r.maxError, r.message).toBeLessThan(1e-6);
      }),
      { numRuns: 20 },
    );
  });
});

describe('KWTA variants', () => {
  it('KWTAChannel keeps floor(gamma * H*W) per channel', () => {
    tidy(() => {
      const x = tensor([[[[1, 4], [3, 2]], [[9, 8], [7, 6]]]]);
      expect(arr(new KWTAChannel({ gamma: 0.5 }).forward(x))).toEqual([0, 4, 3, 0, 9, 8, 0, 0]);
    });
    expect(() => tidy(() => new KWTAChannel({ gamma: 0.5 }).forward(tensor([[1, 2]])))).toThrow(/\[N, C, H, W\]/);
  });

  it('KWTAFixedK keeps exactly k and refuses k larger than the layer', () => {
    tidy(() => expect(arr(new KWTAFixedK({ k: 2 }).forward(tensor([[1, 5, 5, 2], [0, -1, -2, -3]])))).toEqual([0, 5, 5, 0, 0, -1, 0, 0]));
    expect(() => tidy(() => new KWTAFixedK({ k: 5 }).forward(tensor([[1, 2, 3, 4]])))).toThrow(/k = 5 exceeds the 4 features/);
    expect(() => new KWTAFixedK({ k: 0 })).toThrow(ValueError);
  });
});

describe('LWTA', () => {
  it('keeps the maximum of each group (lower index on ties), along features or channels', () => {
    tidy(() => {
      expect(arr(new LWTA({ groupSize: 2 }).forward(tensor([[1, 3, 4, 2, 5, 5]])))).toEqual([0, 3, 4, 0, 5, 0]);
      // [1, 4, 1, 2]: at each of the 2 positions, channels {0,1} and {2,3} compete.
      const x = tensor([[[[1, 8]], [[2, 7]], [[6, 3]], [[5, 4]]]]);
      expect(arr(new LWTA({ groupSize: 2 }).forward(x))).toEqual([0, 8, 2, 0, 6, 0, 0, 4]);
    });
    expect(() => tidy(() => new LWTA({ groupSize: 4 }).forward(tensor([[1, 2, 3]])))).toThrow(/do not split into groups of 4/);
  });

  it('has gradients equal to finite differences away from ties', () => {
    fc.assert(
      fc.property(seedArb, fc.boolean(), (seed, conv) => {
        const g = new Generator(seed);
        const gs = dim(g, 1, 3);
        const shape = conv ? [dim(g, 1, 2), gs * dim(g, 1, 2), dim(g, 1, 2), dim(g, 1, 3)] : [dim(g, 1, 3), gs * dim(g, 1, 3)];
        const n = shape.reduce((a, b) => a * b, 1);
        const layer = new LWTA({ groupSize: gs });
        const r = tidy(() => gradcheck((x) => layer.forward(x), [tensor(distinctValues(g, n), shape, 'float64')], { seed }));
        expect(r.maxError, r.message).toBeLessThan(1e-6);
      }),
      { numRuns: 20 },
    );
  });
});

describe('replaceActivations and setSparsity', () => {
  it('turns a ReLU ResNet-18 into a k-WTA one without touching the weights', () => {
    const model = resnet18({ gen: new Generator(0), width: 4 });
    const before = model.stateDict();
    const paths: string[] = [];
    const n = replaceActivations(model, (path) => {
      paths.push(path);
      return new KWTA({ gamma: 0.2 });
    });
    expect(n).toBe(17); // stem + 2 per block x 8 blocks
    expect(paths.slice(0, 3)).toEqual(['act', 'layer1.0.act1', 'layer1.0.act2']);
    expect(model.modules().some((m) => m instanceof ReLU)).toBe(false);
    expect(model.layer1.at(0)).toHaveProperty('act1', expect.any(KWTA)); // forward reads the property
    expect([...model.stateDict()]).toEqual([...before]);
    expect(setSparsity(model, 0.1)).toBe(17);
    expect(model.modules().filter((m): m is KWTA => m instanceof KWTA).every((m) => m.gamma === 0.1)).toBe(true);
    expect(() => setSparsity(model, 0)).toThrow(/gamma .* \(0, 1\]/);
    tidy(() => expect(model.forward(randn([2, 3, 8, 8], new Generator(1))).shape).toEqual([2, 10]));
  });

  it('every replaced site of every model runs in forward (the swapped property is the one forward reads)', () => {
    const g = () => new Generator(0);
    const models = [
      [new DenseNet({ gen: g(), growthRate: 2, numBlocks: [1, 1, 1, 1] }), 8, 1 + 2 * 4 + 3],
      [wideResNet({ gen: g(), depth: 10, widenFactor: 1 }), 8, 1 + 2 * 3],
      [vgg19({ gen: g(), width: 1 }), 32, 16 + 2],
      [mnistCnn({ gen: g(), channels: [1, 1, 1, 1], hiddenSize: 10 }), 28, 5],
    ] as const;
    for (const [model, side, sites] of models) {
      expect(replaceActivations(model, () => new KWTA({ gamma: 0.5 }))).toBe(sites);
      const x = randn([2, model instanceof MnistCnn ? 1 : 3, side, side], new Generator(1));
      // Throws if any WTA layer did not run; every layer keeps floor(0.5 N) per sample.
      for (const p of captureActivationPatterns(model, x)) expect(p.mask.reduce((a, b) => a + b, 0)).toBe(2 * Math.floor(0.5 * p.numFeatures));
      x.dispose();
      model.dispose();
    }
  });

  it('is an error on a model with nothing to replace or no k-WTA layer', () => {
    const m = new Sequential(new Linear(2, 2, { gen: new Generator(0) }));
    expect(() => replaceActivations(m, () => new ReLU())).toThrow(/no activation modules/);
    expect(() => setSparsity(m, 0.1)).toThrow(/no k-WTA layers/);
  });
});

describe('activation patterns', () => {
  it('captures A(x) per k-WTA layer with exactly k winners per sample', () => {
    const model = mnistCnn({ gen: new Generator(3), channels: [2, 2, 4, 4], hiddenSize: 20, activation: () => new KWTA({ gamma: 0.1 }) });
    const x = randn([3, 1, 28, 28], new Generator(4));
    const patterns = captureActivationPatterns(model, x);
    expect(patterns.map((p) => p.layer)).toEqual(['cnn.1', 'cnn.3', 'cnn.5', 'cnn.7', 'cnn.10']);
    expect(patterns.map((p) => p.numFeatures)).toEqual([2 * 28 * 28, 2 * 14 * 14, 4 * 14 * 14, 4 * 7 * 7, 20]);
    for (const p of patterns) {
      for (let s = 0; s < 3; s++) {
        const winners = p.mask.subarray(s * p.numFeatures, (s + 1) * p.numFeatures).reduce((a, b) => a + b, 0);
        expect(winners).toBe(Math.floor(0.1 * p.numFeatures));
      }
    }
    // Same input, same pattern; a large perturbation changes it; the counts are symmetric.
    expect(countPatternChanges(patterns, captureActivationPatterns(model, x)).total).toEqual([0, 0, 0]);
    const far = tidy(() => add(x, mul(randn(x.shape, new Generator(5)), 3)));
    const other = captureActivationPatterns(model, far);
    const changes = countPatternChanges(patterns, other);
    expect(changes.changed).toEqual([true, true, true]);
    expect(countPatternChanges(other, patterns)).toEqual(changes);
    // Changes come in pairs within a layer (one winner out, one in), so each count is even.
    for (const layer of changes.perLayer) for (const c of layer) expect(c % 2).toBe(0);
    x.dispose();
    far.dispose();
  });

  it('refuses a model without WTA layers and mismatched patterns', () => {
    const m = mnistCnn({ gen: new Generator(3), channels: [1, 1, 1, 1], hiddenSize: 4 });
    expect(() => captureActivationPatterns(m, randn([1, 1, 28, 28], new Generator(0)))).toThrow(/no winner-take-all layers/);
    const p = [{ layer: 'a', batch: 1, numFeatures: 2, mask: new Uint8Array(2) }];
    expect(() => countPatternChanges(p, [{ ...p[0], numFeatures: 3, mask: new Uint8Array(3) }])).toThrow(/layer 0 differs/);
  });
});
