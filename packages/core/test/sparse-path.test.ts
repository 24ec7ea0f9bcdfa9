import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import {
  Generator, ValueError, getSparsePath, gradients, kWinners, kwtaStraightThrough, memory, profileKernels, setSparsePath, tensor, tidy,
  valueAndGrad, withSparsePath, type SparsePathMode, type Tensor,
} from '../src/index.js';
import * as ops from '../src/ops/index.js';
import { withBackend } from '../src/testing/index.js';
import { WasmBackend } from '../src/backends/wasm/index.js';
import { BACKENDS } from './backends.js';
import { F32_TOL, FC, ROW_KINDS, kOf, relError, rows, type RowKind } from './sparse-cases.js';

// The sparse path through the ops (docs/sparse.md): a network of k-WTAs feeding convolutions and
// linear layers gives the dense path's values and gradients (float32 summation order aside)
// with the sparse kernels on, on every backend; the structure lives and dies with the storage.

const SPARSE_KERNELS = [
  'winners', 'sparseConv2d', 'sparseConv2dBackwardFilter', 'sparseConv2dBackwardInput', 'sparseLinear', 'sparseLinearWeightGrad', 'sparseLinearInputGrad',
];

interface Net {
  N: number; C: number; H: number; W: number; F: number; K: number; stride: number; pad: number; dil: number;
  hidden: number; g1: number; g2: number; g3: number; kinds: RowKind[]; seed: number;
}

const net: fc.Arbitrary<Net> = fc.record({
  N: fc.integer({ min: 1, max: 5 }), C: fc.integer({ min: 1, max: 3 }), H: fc.integer({ min: 3, max: 8 }), W: fc.integer({ min: 3, max: 8 }),
  F: fc.integer({ min: 1, max: 5 }), K: fc.integer({ min: 1, max: 3 }), stride: fc.integer({ min: 1, max: 3 }), pad: fc.integer({ min: 0, max: 2 }),
  dil: fc.integer({ min: 1, max: 2 }), hidden: fc.integer({ min: 1, max: 40 }),
  g1: fc.double({ min: 0.02, max: 1, noNaN: true }), g2: fc.double({ min: 0.02, max: 1, noNaN: true }), g3: fc.double({ min: 0.02, max: 1, noNaN: true }),
  kinds: fc.array(fc.constantFrom<RowKind>(...ROW_KINDS), { minLength: 1, maxLength: 4 }), seed: fc.nat(),
}).filter((n) => n.H + 2 * n.pad >= n.dil * (n.K - 1) + 1 && n.W + 2 * n.pad >= n.dil * (n.K - 1) + 1);

type Activation = 'kwta' | 'relu';

/** act → conv → act → flatten → linear → act → linear, and sum(R ⊙ out): value and gradients for x and the three weights. */
function runNet(n: Net, mode: SparsePathMode, act: Activation = 'kwta'): { outputs: Float32Array[]; kernels: Set<string> } {
  return tidy(() => runNetIn(n, mode, act));
}

function runNetIn(n: Net, mode: SparsePathMode, act: Activation) {
  const gen = new Generator(n.seed);
  const D = n.C * n.H * n.W;
  const x = tensor(rows(gen, n.N, D, n.kinds, 'float32'), [n.N, n.C, n.H, n.W]);
  const w1 = tensor(rows(gen, n.F, n.C * n.K * n.K, ['random'], 'float32'), [n.F, n.C, n.K, n.K]);
  const conv = (t: Tensor, w: Tensor) => ops.conv2d(t, w, { stride: n.stride, padding: n.pad, dilation: n.dil });
  const flat = ops.flatten(conv(ops.zeros([1, n.C, n.H, n.W]), w1)).shape[1];
  const w2 = tensor(rows(gen, n.hidden, flat, ['random'], 'float32'), [n.hidden, flat]);
  const w3 = tensor(rows(gen, 3, n.hidden, ['random'], 'float32'), [3, n.hidden]);
  const r = tensor(rows(gen, n.N, 3, ['random'], 'float32'), [n.N, 3]);
  const a = (t: Tensor, gamma: number) => (act === 'relu' ? ops.relu(t) : kWinners(t, kOf(gamma, t.size / t.shape[0])));
  const f = (x0: Tensor, c1: Tensor, l1: Tensor, l2: Tensor) => {
    const h1 = a(x0, n.g1);
    const h2 = a(conv(h1, c1), n.g2);
    const h3 = a(ops.matmul(ops.flatten(h2), l1, { transposeB: true }), n.g3);
    return ops.sum(ops.mul(ops.matmul(h3, l2, { transposeB: true }), r));
  };
  return withSparsePath(mode, () => {
    const p = profileKernels(() => tidy(() => {
      const { value, grads } = valueAndGrad(f)(x, w1, w2, w3);
      return [value, ...grads].map((t) => Float32Array.from(t.dataSync()));
    }));
    return { outputs: p.result, kernels: new Set(p.kernels.map((k) => k.kernel as string)) };
  });
}

describe.each(BACKENDS)('sparse path vs dense path: %s', (_label, make) => {
  const backend = make();
  afterAll(() => backend.dispose?.());

  it('a k-WTA CNN: the same value and gradients (normwise 1e-5) over shapes, gammas, strides, padding, dilation and ties', () => withBackend(backend, () => {
    fc.assert(fc.property(net, (n) => {
      const dense = runNet(n, 'off'), sparse = runNet(n, 'always');
      expect(SPARSE_KERNELS.filter((k) => dense.kernels.has(k))).toEqual([]);
      expect(SPARSE_KERNELS.filter((k) => !sparse.kernels.has(k))).toEqual([]);
      dense.outputs.forEach((want, i) => expect(relError(sparse.outputs[i], want), `output ${i}`).toBeLessThanOrEqual(F32_TOL));
    }), { ...FC, numRuns: 30 });
  }));

  it('a ReLU CNN: every pass reads the ReLUs\' non-zeros (rows of different lengths, counted), the same value and gradients', () => withBackend(backend, () => {
    fc.assert(fc.property(net, (n) => {
      const dense = runNet(n, 'off', 'relu'), sparse = runNet(n, 'always', 'relu');
      const sparseKernels = [...SPARSE_KERNELS.filter((k) => k !== 'winners'), 'nonzeros'];
      expect([...sparseKernels, 'winners'].filter((k) => dense.kernels.has(k))).toEqual([]);
      expect(sparseKernels.filter((k) => !sparse.kernels.has(k))).toEqual([]);
      expect(sparse.kernels.has('winners')).toBe(false);
      dense.outputs.forEach((want, i) => expect(relError(sparse.outputs[i], want), `output ${i}`).toBeLessThanOrEqual(F32_TOL));
    }), { ...FC, numRuns: 20 });
  }));

  it('structure costs nothing after it is freed: memory flat over repeated sparse steps', () => withBackend(backend, () => {
    const n: Net = { N: 3, C: 2, H: 6, W: 6, F: 3, K: 3, stride: 1, pad: 1, dil: 1, hidden: 12, g1: 0.2, g2: 0.3, g3: 0.25, kinds: ['random'], seed: 3 };
    runNet(n, 'always');
    const start = memory();
    for (let i = 0; i < 5; i++) runNet(n, 'always');
    expect(memory()).toEqual(start);
  }));
});

/** A linear layer's input x [4, 20], weight w [6, 20] and output weighting s [4, 6], drawn from `seed`. */
function layerOperands(seed: number): { x: Tensor; w: Tensor; s: Tensor } {
  const gen = new Generator(seed);
  return {
    x: tensor(rows(gen, 4, 20, ['random'], 'float32'), [4, 20]),
    w: tensor(rows(gen, 6, 20, ['random'], 'float32'), [6, 20]),
    s: tensor(rows(gen, 4, 6, ['random'], 'float32'), [4, 6]),
  };
}

describe('the input gradient at the winners only is used only where it is exact', () => {
  const setup = () => {
    const { x, w, s } = layerOperands(9);
    return { x, w, s, layer: (h: Tensor) => ops.sum(ops.where(ops.topkMask(s, 3), ops.matmul(h, w, { transposeB: true }), 0)) };
  };

  it('a k-WTA output requested as a gradient target gets its full gradient', () => {
    const { x, layer } = setup();
    const grad = (mode: SparsePathMode) => withSparsePath(mode, () => tidy(() => {
      const xr = x.detach().requireGrad();
      const h = kWinners(xr, 5);
      const p = profileKernels(() => gradients(layer(h), [h, xr]));
      return { g: p.result.map((t) => Array.from(t.dataSync())), kernels: p.kernels.map((k) => k.kernel as string) };
    }));
    const dense = grad('off'), sparse = grad('always');
    expect(sparse.kernels).toContain('sparseLinear');
    expect(sparse.kernels).not.toContain('sparseLinearInputGrad');
    // dL/dh is dense (non-zero off the winners too); dL/dx is it masked.
    expect(dense.g[0].filter((v) => v !== 0).length).toBeGreaterThan(4 * 5);
    dense.g.forEach((want, i) => expect(relError(sparse.g[i], want)).toBeLessThanOrEqual(1e-6));
  });

  it('a detached k-WTA output used as a leaf gets its full .grad', () => {
    const { x, layer } = setup();
    const grad = (mode: SparsePathMode) => withSparsePath(mode, () => tidy(() => {
      const leaf = kWinners(x, 5).detach().requireGrad();
      layer(leaf).backward();
      const g = Array.from(leaf.grad!.dataSync());
      leaf.zeroGrad();
      return g;
    }));
    expect(withSparsePath('always', () => tidy(() => kWinners(x, 5).detach().storage.structure?.kind))).toBe('winners');
    const dense = grad('off');
    expect(dense.filter((v) => v !== 0).length).toBeGreaterThan(4 * 5);
    expect(relError(grad('always'), dense)).toBeLessThanOrEqual(1e-6);
  });
});

describe('a ReLU\'s zeros stand in for the input gradient only where they are exact', () => {
  // L = sum(relu(h · wᵀ) ⊙ s): dy reaches the linear layer through a ReLU's backward (its zeros).
  const setup = () => {
    const { x, w, s } = layerOperands(11);
    return { x, w, s, layer: (h: Tensor) => ops.sum(ops.mul(ops.relu(ops.matmul(h, w, { transposeB: true })), s)) };
  };
  const run = (mode: SparsePathMode, f: () => Tensor[]) => withSparsePath(mode, () => tidy(() => {
    const p = profileKernels(f);
    return { g: p.result.map((t) => Array.from(t.dataSync())), kernels: p.kernels.map((k) => k.kernel as string) };
  }));

  it('relu(x) feeding a linear layer: both backward products read the zeros, with the dense gradients', () => {
    const { x, w, s: weighting, layer } = setup();
    const grad = (mode: SparsePathMode) => run(mode, () => {
      const xr = x.detach().requireGrad();
      return gradients(layer(ops.relu(xr)), [xr]);
    });
    const dense = grad('off'), sparse = grad('always');
    expect(sparse.kernels).toEqual(expect.arrayContaining(['nonzeros', 'sparseLinear', 'sparseLinearInputGrad']));
    expect(dense.kernels.filter((k) => SPARSE_KERNELS.includes(k) || k === 'nonzeros')).toEqual([]);
    expect(relError(sparse.g[0], dense.g[0])).toBeLessThanOrEqual(1e-6);
    // and the weight gradient, from both sides' zeros
    const wGrad = (mode: SparsePathMode) => run(mode, () => {
      const wr = w.detach().requireGrad();
      return gradients(ops.sum(ops.mul(ops.relu(ops.matmul(ops.relu(x), wr, { transposeB: true })), weighting)), [wr]);
    });
    const dw = wGrad('always');
    expect(dw.kernels).toContain('sparseLinearWeightGrad');
    expect(relError(dw.g[0], wGrad('off').g[0])).toBeLessThanOrEqual(1e-6);
  });

  it('a ReLU output requested as a gradient target gets its full gradient', () => {
    const { x, layer } = setup();
    const grad = (mode: SparsePathMode) => run(mode, () => {
      const xr = x.detach().requireGrad();
      const h = ops.relu(xr);
      return gradients(layer(h), [h, xr]);
    });
    const dense = grad('off'), sparse = grad('always');
    expect(sparse.kernels).not.toContain('sparseLinearInputGrad');
    // dL/dh is non-zero where h is zero too; dL/dx is it masked.
    const zerosOfH = Array.from(x.dataSync()).filter((v) => v <= 0).length;
    expect(dense.g[0].filter((v) => v !== 0).length).toBeGreaterThan(4 * 20 - zerosOfH);
    dense.g.forEach((want, i) => expect(relError(sparse.g[i], want)).toBeLessThanOrEqual(1e-6));
  });

  it('zeros that a where(·, ·, 0) kept (not a ReLU\'s) still get their gradient', () => {
    const { layer } = setup();
    // x has exact zeros where the mask keeps it: where's backward passes their gradient on.
    const x0 = tensor(Float32Array.from({ length: 80 }, (_, i) => (i % 3 === 0 ? 0 : Math.sin(i))), [4, 20]);
    const keep = tensor(Uint8Array.from({ length: 80 }, (_, i) => (i % 5 === 0 ? 0 : 1)), [4, 20], 'bool');
    const grad = (mode: SparsePathMode) => run(mode, () => {
      const xr = x0.detach().requireGrad();
      return gradients(layer(ops.where(keep, xr, 0)), [xr]);
    });
    const dense = grad('off'), sparse = grad('always');
    expect(sparse.kernels).toContain('sparseLinear');
    expect(sparse.kernels).not.toContain('sparseLinearInputGrad');
    expect(dense.g[0].filter((v, i) => v !== 0 && i % 3 === 0 && i % 5 !== 0).length).toBeGreaterThan(0);
    expect(relError(sparse.g[0], dense.g[0])).toBeLessThanOrEqual(1e-6);
  });

  it('a ReLU output used twice, and a detached one used as a leaf, get their dense gradients', () => {
    const { x, layer } = setup();
    const twice = (mode: SparsePathMode) => run(mode, () => {
      const xr = x.detach().requireGrad();
      const h = ops.relu(xr);
      return gradients(ops.add(layer(h), ops.sum(ops.mul(h, h))), [xr]);
    });
    expect(twice('always').kernels).toContain('sparseLinearInputGrad');
    expect(relError(twice('always').g[0], twice('off').g[0])).toBeLessThanOrEqual(1e-6);
    const leaf = (mode: SparsePathMode) => withSparsePath(mode, () => tidy(() => {
      const h = ops.relu(x).detach().requireGrad();
      layer(h).backward();
      const g = Array.from(h.grad!.dataSync());
      h.zeroGrad();
      return g;
    }));
    expect(relError(leaf('always'), leaf('off'))).toBeLessThanOrEqual(1e-6);
    expect(leaf('off').filter((v) => v !== 0).length).toBeGreaterThan(Array.from(x.dataSync()).filter((v) => v > 0).length);
  });
});

describe('auto on the wasm backend: a ReLU\'s zeros are counted where they could pay, then the density decides', () => {
  const backend = new WasmBackend({ threads: 1 });
  afterAll(() => backend.dispose());

  // conv 32→64 3x3 s1 on 14x14 (the paper's conv3): the cost model's forward crossover is 0.46.
  const layer = (negativeShare: number) => withBackend(backend, () => withSparsePath('auto', () => tidy(() => {
    const gen = new Generator(5);
    const x = tensor(Float32Array.from({ length: 4 * 32 * 14 * 14 }, () => (gen.uniform() < negativeShare ? -1 : 1) * (0.1 + gen.uniform())), [4, 32, 14, 14]);
    const w = ops.randn([64, 32, 3, 3], gen);
    const p = profileKernels(() => tidy(() => {
      const xr = x.detach().requireGrad();
      const { value, grads } = valueAndGrad((a: Tensor, f: Tensor) => ops.sum(ops.relu(ops.conv2d(ops.relu(a), f, { padding: 1 }))))(xr, w);
      return [value, ...grads].map((t) => Array.from(t.dataSync()));
    }));
    const dense = withSparsePath('off', () => tidy(() => {
      const { value, grads } = valueAndGrad((a: Tensor, f: Tensor) => ops.sum(ops.relu(ops.conv2d(ops.relu(a), f, { padding: 1 }))))(x, w);
      return [value, ...grads].map((t) => Array.from(t.dataSync()));
    }));
    p.result.forEach((got, i) => expect(relError(Float32Array.from(got), Float32Array.from(dense[i]))).toBeLessThanOrEqual(F32_TOL));
    return new Set(p.kernels.map((k) => k.kernel as string));
  })));

  it('density 0.15 (an adversarially trained ReLU model\'s conv3 input): every pass sparse', () => {
    const kernels = layer(0.85);
    expect(['nonzeros', 'sparseConv2d', 'sparseConv2dBackwardFilter', 'sparseConv2dBackwardInput'].filter((k) => !kernels.has(k))).toEqual([]);
  });

  it('density 0.8 (above every crossover, as a naturally trained model\'s first ones): counted, then every pass dense', () => {
    const kernels = layer(0.2);
    expect(kernels.has('nonzeros')).toBe(true);
    expect(['sparseConv2d', 'sparseConv2dBackwardFilter', 'sparseConv2dBackwardInput'].filter((k) => kernels.has(k))).toEqual([]);
  });
});

describe('structure on storage', () => {
  it('survives reshape, flatten and detach; other ops drop it (relu marks its own zeros); assign does not leave stale winners', () => withSparsePath('always', () => tidy(() => {
    const x = ops.randn([2, 3, 4, 4], new Generator(1));
    const h = kWinners(x, 7);
    for (const view of [h, ops.flatten(h), ops.reshape(h, [2, 48]), h.detach()]) expect(view.storage.structure?.kind).toBe('winners');
    for (const other of [ops.mul(h, 1), ops.add(h, 0), ops.maxPool2d(h, { kernelSize: 2 })]) expect(other.storage.structure).toBeUndefined();
    // relu marks its own output, and where(non-k-WTA mask, ·, 0) its: zeros, counted when a layer reads them.
    expect(ops.relu(h).storage.structure?.kind).toBe('nonzeros');
    expect(ops.where(ops.greater(x, 0), x, 0).storage.structure?.kind).toBe('nonzeros');
    expect(ops.where(ops.greater(x, 0), x, ops.zeros([])).storage.structure).toBeUndefined();
    const p = ops.zeros([2, 3, 4, 4]);
    p.assign(ops.mul(h, 2));
    expect(p.storage.structure).toBeUndefined();
  })));

  it('is not kept when the sparse path is off or the backend has no rates (the CPU backend in auto)', () => {
    const x = ops.randn([2, 10], new Generator(2));
    expect(getSparsePath()).toBe('auto');
    for (const mode of ['off', 'auto'] as const) expect(withSparsePath(mode, () => tidy(() => kWinners(x, 3).storage.structure))).toBeUndefined();
    x.dispose();
  });

  it('the BPDA surrogate stays dense: kwtaStraightThrough\'s output carries no winners', () => withSparsePath('always', () => tidy(() => {
    const x = ops.randn([2, 10], new Generator(3)).requireGrad();
    expect(kwtaStraightThrough(x, 3).storage.structure).toBeUndefined();
  })));

  it('setSparsePath refuses an unknown mode and withSparsePath restores the mode on throw', () => {
    expect(() => setSparsePath('sometimes' as SparsePathMode)).toThrow(ValueError);
    expect(() => withSparsePath('off', () => { throw new Error('inside'); })).toThrow('inside');
    expect(getSparsePath()).toBe('auto');
  });
});
