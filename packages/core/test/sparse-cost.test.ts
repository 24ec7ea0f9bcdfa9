import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  SPARSE_PASSES, WASM_SPARSE_RATES, crossoverDensity, estimateMs, featuresOf, passWork, sparsePays,
  type ConvLayer, type LinearLayer, type SparseLayer,
} from '../src/backends/sparse-cost.js';

const fc1 = (hidden: number, k = 313): LinearLayer => ({ kind: 'linear', batch: 64, inF: 3136, out: hidden, k, kOut: Math.floor(0.1 * hidden) });
const fc2 = (hidden: number): LinearLayer => ({ kind: 'linear', batch: 64, inF: hidden, out: 10, k: Math.floor(0.1 * hidden) });
const conv = (C: number, F: number, H: number, s: number): ConvLayer => ({
  kind: 'conv2d', batch: 64, C, H, W: H, F, KH: 3, KW: 3, attrs: { stride: [s, s], pad: [1, 1], dilation: [1, 1] }, k: Math.floor(0.1 * C * H * H),
});

describe('sparse cost model', () => {
  it('counts the work of each pass', () => {
    const l: LinearLayer = { kind: 'linear', batch: 2, inF: 10, out: 20, k: 3, kOut: 5 };
    expect(passWork(l, 'forward')).toEqual({ denseFlops: 2 * 2 * 10 * 20, sparseMacs: 2 * 3 * 32, streamBytes: 4 * 200 });
    expect(passWork(l, 'weightGrad').sparseMacs).toBe(2 * 3 * 5);
    expect(passWork({ ...l, kOut: undefined }, 'inputGrad').sparseMacs).toBe(2 * 3 * 20);
    // 3x3, stride 1, padding 1 on 4x4: each row is read by 3 taps except the borders (2): 10/4 per axis.
    const c: ConvLayer = { kind: 'conv2d', batch: 1, C: 1, H: 4, W: 4, F: 5, KH: 3, KW: 3, attrs: { stride: [1, 1], pad: [1, 1], dilation: [1, 1] }, k: 2 };
    expect(passWork(c, 'forward').sparseMacs).toBeCloseTo(2 * (10 / 4) ** 2 * 8, 10);
    expect(passWork(c, 'forward').denseFlops).toBe(2 * 5 * 16 * 9);
  });

  it('a sparser input never makes the sparse kernel less worth it, and the crossover separates the two', () => {
    const layer = fc.oneof(
      fc.record({ batch: fc.integer({ min: 1, max: 128 }), inF: fc.integer({ min: 1, max: 5000 }), out: fc.integer({ min: 1, max: 30000 }) })
        .map((r): SparseLayer => ({ kind: 'linear', ...r, k: 1 })),
      fc.record({ batch: fc.integer({ min: 1, max: 64 }), C: fc.integer({ min: 1, max: 64 }), F: fc.integer({ min: 1, max: 128 }), H: fc.integer({ min: 3, max: 32 }), s: fc.integer({ min: 1, max: 2 }) })
        .map(({ s, H, ...r }): SparseLayer => ({ kind: 'conv2d', ...r, H, W: H, KH: 3, KW: 3, attrs: { stride: [s, s], pad: [1, 1], dilation: [1, 1] }, k: 1 })),
    );
    fc.assert(fc.property(layer, fc.constantFrom(...SPARSE_PASSES), fc.double({ min: 0, max: 1, noNaN: true }), (l, pass, u) => {
      const D = featuresOf(l);
      const k = Math.max(1, Math.round(u * D));
      const at = (kk: number) => estimateMs({ ...l, k: kk }, pass);
      expect(at(k).sparse).toBeGreaterThanOrEqual(at(Math.max(1, k - 1)).sparse);
      expect(at(k).dense).toBe(at(1).dense);
      const x = crossoverDensity(l, pass);
      if (x > 0) expect(sparsePays({ ...l, k: Math.round(x * D) }, pass)).toBe(true);
      if (x > 0 && x < 1) expect(sparsePays({ ...l, k: Math.round(x * D) + 1 }, pass)).toBe(false);
    }), { seed: 14, numRuns: 200 });
  });

  it('with the measured wasm rates: the paper network\'s k-WTA layers go sparse at gamma 0.1, dense at gamma 1', () => {
    for (const hidden of [1024, 20000]) {
      for (const pass of SPARSE_PASSES) {
        expect(sparsePays(fc1(hidden), pass, WASM_SPARSE_RATES)).toBe(true);
        expect(sparsePays({ ...fc1(hidden, 3136), kOut: hidden }, pass, WASM_SPARSE_RATES)).toBe(false);
      }
      expect(sparsePays(fc2(hidden), 'forward', WASM_SPARSE_RATES)).toBe(true);
    }
    for (const c of [conv(32, 32, 28, 2), conv(32, 64, 14, 1), conv(64, 64, 14, 2)]) {
      for (const pass of SPARSE_PASSES) {
        expect(sparsePays(c, pass, WASM_SPARSE_RATES)).toBe(true);
        expect(sparsePays({ ...c, k: c.C * c.H * c.W }, pass, WASM_SPARSE_RATES)).toBe(false);
      }
    }
  });

  it('tiny layers stay dense: a sparse pass costs its fixed part however sparse the input', () => {
    const tinyFc: LinearLayer = { kind: 'linear', batch: 3, inF: 12, out: 10, k: 1, kOut: 1 };
    const tinyConv: ConvLayer = { ...conv(2, 3, 8, 1), batch: 3, k: 1 };
    for (const pass of SPARSE_PASSES) for (const l of [tinyFc, tinyConv]) expect(sparsePays(l, pass, WASM_SPARSE_RATES)).toBe(false);
  });
});
