import {
  Generator, WasmBackend, getBackend, profileKernels, randint, randn, setBackend, tidy, valueAndGrad, withSparsePath, type SparsePathMode, type Tensor,
} from '@kwta/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Conv2d, Flatten, KWTA, Linear, Sequential, crossEntropy, smoothBackward, sparseMnistCnn, withBackwardMode, type Module } from '../src/index.js';

/**
 * The sparse path (core's docs/sparse.md) needs no API: a user's model with k-WTA before its
 * convolutions and linear layers gets it on a backend whose cost model says it pays (the wasm
 * backend), in the default mode, forward and backward; BPDA's smooth k-WTA backward stays on the
 * dense path and gives the same numbers either way.
 */

const backend = new WasmBackend({ threads: 2 });
const previous = getBackend();
beforeAll(() => setBackend(backend));
afterAll(() => {
  setBackend(previous);
  backend.dispose();
});

/** Kernels one training step of `model` on x runs (default sparse-path mode 'auto'). */
function stepKernels(model: Module, x: Tensor, labels: Tensor): Set<string> {
  const p = profileKernels(() => tidy(() => crossEntropy(model.call(x), labels).backward()));
  for (const t of model.parameters()) t.zeroGrad();
  return new Set(p.kernels.map((k) => k.kernel as string));
}

describe('the sparse path reaches models built from the public API (wasm backend, auto)', () => {
  it('the paper\'s SparseMNIST_CNN (k-WTA everywhere): every layer after a k-WTA, forward and both gradients; the first conv stays dense', () => tidy(() => {
    const gen = new Generator(1);
    const model = sparseMnistCnn({ gen, sp1: 0.1, sp2: 0.1, hiddenSize: 1024 });
    const kernels = stepKernels(model, randn([16, 1, 28, 28], gen), randint([16], 0, 10, gen));
    for (const k of ['winners', 'sparseConv2d', 'sparseConv2dBackwardFilter', 'sparseConv2dBackwardInput', 'sparseLinear', 'sparseLinearWeightGrad', 'sparseLinearInputGrad']) {
      expect(kernels.has(k), k).toBe(true);
    }
    // The image has no winners: conv1's forward and filter gradient are the dense kernels.
    expect(kernels.has('conv2d')).toBe(true);
    expect(kernels.has('conv2dBackwardFilter')).toBe(true);
    model.dispose();
  }));

  it('KWTA before Conv2d and before Linear in a Sequential', () => tidy(() => {
    const gen = new Generator(2);
    const model = new Sequential(
      new Conv2d(3, 16, 3, { gen, padding: 1 }), new KWTA({ gamma: 0.1 }),
      new Conv2d(16, 32, 3, { gen, padding: 1, stride: 2 }), new KWTA({ gamma: 0.1 }),
      new Flatten(), new Linear(32 * 8 * 8, 512, { gen }), new KWTA({ gamma: 0.1 }), new Linear(512, 10, { gen }),
    );
    const kernels = stepKernels(model, randn([16, 3, 16, 16], gen), randint([16], 0, 10, gen));
    for (const k of ['sparseConv2d', 'sparseLinear', 'sparseLinearWeightGrad']) expect(kernels.has(k), k).toBe(true);
    model.dispose();
  }));
});

describe('BPDA\'s smooth k-WTA backward stays dense: the same input gradient whatever the sparse path', () => {
  it('sigmoid backward mode: bit for bit with the path on (auto, always) and off', () => {
    const gen = new Generator(3);
    const model = sparseMnistCnn({ gen, sp1: 0.1, sp2: 0.1, hiddenSize: 256 });
    const x = randn([4, 1, 28, 28], gen), labels = randint([4], 0, 10, gen);
    const inputGrad = (mode: SparsePathMode) => withSparsePath(mode, () => withBackwardMode(model, smoothBackward(0.5), () => tidy(() => {
      const [g] = valueAndGrad((input: Tensor) => crossEntropy(model.call(input), labels))(x).grads;
      return Array.from(g.dataSync());
    })));
    const dense = inputGrad('off');
    expect(dense.some((v) => v !== 0)).toBe(true);
    expect(inputGrad('auto')).toEqual(dense);
    expect(inputGrad('always')).toEqual(dense);
    for (const t of [x, labels]) t.dispose();
    model.dispose();
  });
});
