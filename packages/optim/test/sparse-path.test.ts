import { CpuBackend, Generator, WasmBackend, profileKernels, randn, randint, setBackend, getBackend, tidy, withSparsePath, type Backend, type SparsePathMode } from '@kwta/core';
import { KWTA, crossEntropy, mnistCnn } from '@kwta/nn';
import { afterAll, describe, expect, it } from 'vitest';
import { SGD } from '../src/index.js';

/**
 * Issue 14's exactness bar at the level of a training run: the paper's MNIST CNN shape with
 * k-WTA everywhere (small), 20 SGD steps with momentum, gives the same weights with the layers
 * after each k-WTA on their sparse kernels ('always') and on the dense ones ('off').
 */
function train(mode: SparsePathMode): { initial: Float32Array[]; weights: Float32Array[]; kernels: Set<string> } {
  return withSparsePath(mode, () => {
    const model = mnistCnn({ gen: new Generator(11), hiddenSize: 48, channels: [4, 6, 8, 8], inputSize: 12, activation: () => new KWTA({ gamma: 0.1 }) });
    const initial = model.parameters().map((t) => Float32Array.from(t.dataSync()));
    const opt = new SGD(model.parameters(), { lr: 0.05, momentum: 0.9 });
    const gen = new Generator(12);
    const x = randn([8, 1, 12, 12], gen), y = randint([8], 0, 10, gen);
    const kernels = new Set<string>();
    for (let step = 0; step < 20; step++) {
      const p = profileKernels(() => {
        opt.zeroGrad();
        tidy(() => crossEntropy(model.forward(x), y).backward());
        opt.step();
      });
      for (const k of p.kernels) kernels.add(k.kernel);
    }
    const weights = model.parameters().map((t) => Float32Array.from(t.dataSync()));
    opt.dispose();
    model.dispose();
    x.dispose();
    y.dispose();
    return { initial, weights, kernels };
  });
}

/** max |got - want| / max |want|. */
function relError(got: Float32Array, want: Float32Array): number {
  let diff = 0, scale = 0;
  for (let i = 0; i < want.length; i++) {
    diff = Math.max(diff, Math.abs(got[i] - want[i]));
    scale = Math.max(scale, Math.abs(want[i]));
  }
  return diff / scale;
}

const BACKENDS: [string, () => Backend & { dispose?(): void }][] = [
  ['js (cpu backend)', () => new CpuBackend()],
  ['wasm, 2 threads', () => new WasmBackend({ threads: 2, minParallelFlops: 0 })],
];

describe.each(BACKENDS)('20 training steps of a small k-WTA CNN, sparse path on and forced off: %s', (_label, make) => {
  const backend = make();
  const previous = getBackend();
  afterAll(() => {
    setBackend(previous);
    backend.dispose?.();
  });

  it('end at the same weights (relative 1e-5 per parameter)', () => {
    setBackend(backend);
    const dense = train('off'), sparse = train('always');
    for (const k of ['sparseConv2d', 'sparseConv2dBackwardFilter', 'sparseConv2dBackwardInput', 'sparseLinear', 'sparseLinearWeightGrad', 'sparseLinearInputGrad']) {
      expect(sparse.kernels.has(k), k).toBe(true);
      expect(dense.kernels.has(k), k).toBe(false);
    }
    // The run moved every weight well past the tolerance (so agreeing is not agreeing on the initial values).
    dense.weights.forEach((w, i) => expect(relError(w, dense.initial[i]), `parameter ${i}`).toBeGreaterThan(1e-4));
    dense.weights.forEach((w, i) => expect(relError(sparse.weights[i], w), `parameter ${i}`).toBeLessThanOrEqual(1e-5));
  });
});
