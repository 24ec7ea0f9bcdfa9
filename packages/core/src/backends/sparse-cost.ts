import type { Conv2dAttrs } from '../backend.js';
import { convOutSize } from '../shape.js';
import { convTaps } from './cpu/sparse-conv.js';

/**
 * When does a layer whose input is sparse rows (a k-WTA's winners) run faster on the sparse
 * kernels than on the dense ones? A small cost model: each path's time is its work at a rate
 * plus the memory it must stream, with rates measured on the wasm backend by the
 * `sparse-crossover` benchmark (benchmarks/src/suites/sparse-crossover.ts prints the measured
 * crossover next to the model's, and the rates it fits).
 */

export type SparsePass = 'forward' | 'weightGrad' | 'inputGrad';
export const SPARSE_PASSES: readonly SparsePass[] = ['forward', 'weightGrad', 'inputGrad'];

/** y = x · Wᵀ with x [batch, inF] holding k entries per row; dy holding kOut per row (out when dense). */
export interface LinearLayer {
  kind: 'linear';
  batch: number;
  inF: number;
  out: number;
  k: number;
  kOut?: number;
}

/** conv2d of x [batch, C, H, W] holding k winners per image (over C·H·W) with F filters KH x KW. */
export interface ConvLayer {
  kind: 'conv2d';
  batch: number;
  C: number; H: number; W: number;
  F: number; KH: number; KW: number;
  attrs: Conv2dAttrs;
  k: number;
}

export type SparseLayer = LinearLayer | ConvLayer;

/**
 * Rates of one backend, per layer kind and pass. Dense: GFLOP/s of its GEMM-based kernels.
 * Sparse: multiply-adds per nanosecond (GMAC/s) of each sparse kernel, plus the bytes per
 * nanosecond (GB/s) of the one pass every sparse kernel makes over its weights or images.
 * Only their ratios decide, so rates measured on a loaded machine serve as long as both paths
 * were measured side by side.
 */
export interface SparseRates {
  denseGflops: Record<SparseLayer['kind'], Record<SparsePass, number>>;
  sparseGmacs: Record<SparseLayer['kind'], Record<SparsePass, number>>;
  streamGBs: number;
  /**
   * What a sparse pass costs beyond its work, in ms: the winners' extraction, the host-side
   * tables (dy's columns, the convolution's taps), a second dispatch. It keeps tiny layers dense.
   */
  fixedMs: number;
}

/**
 * The wasm backend, 2 threads: medians over gamma 0.05-1 of the `sparse-crossover` run of
 * 2026-11-29 (fc1 3136→1024 and conv 32→32 s2 / 32→64 s1 at batch 64) on the project's 2-core
 * AMD EPYC VM, shared with other engineers' test runs (load average 10-15: every absolute rate
 * is several times below a quiet machine's, the dense GEMMs' included).
 */
export const WASM_SPARSE_RATES: SparseRates = {
  denseGflops: {
    linear: { forward: 11, weightGrad: 16, inputGrad: 13 },
    conv2d: { forward: 11, weightGrad: 8, inputGrad: 12 },
  },
  sparseGmacs: {
    linear: { forward: 5, weightGrad: 0.62, inputGrad: 0.6 },
    conv2d: { forward: 2.3, weightGrad: 2.5, inputGrad: 2.8 },
  },
  streamGBs: 20,
  // Kernel calls on layers of a few hundred multiply-adds (2026-11-29, load 4-7): dense and sparse
  // both 5-40 µs, the winners' extraction 6-30 µs more.
  fixedMs: 0.02,
};

/** The dense and sparse work of one pass: flops of the dense kernel, multiply-adds and streamed bytes of the sparse one. */
export interface PassWork {
  denseFlops: number;
  sparseMacs: number;
  streamBytes: number;
}

/** Output columns of the sparse linear forward are computed in panels of this many (the wasm kernel's width). */
const PANEL = 16;

/** Average filter taps that reach one input pixel (exact, border effects included). */
function tapsPerPixel(l: ConvLayer): number {
  const [sh, sw] = l.attrs.stride, [ph, pw] = l.attrs.pad, [dh, dw] = l.attrs.dilation;
  const OH = convOutSize(l.H, l.KH, sh, ph, dh), OW = convOutSize(l.W, l.KW, sw, pw, dw);
  return (convTaps(l.H, l.KH, sh, ph, dh, OH).tap.length / l.H) * (convTaps(l.W, l.KW, sw, pw, dw, OW).tap.length / l.W);
}

export function passWork(layer: SparseLayer, pass: SparsePass): PassWork {
  if (layer.kind === 'linear') {
    const { batch: N, inF, out, k } = layer;
    const kOut = layer.kOut ?? out;
    const weightBytes = 4 * inF * out;
    return {
      denseFlops: 2 * N * inF * out,
      sparseMacs: pass === 'forward' ? N * k * Math.ceil(out / PANEL) * PANEL : N * k * kOut,
      // forward: W read to pack the panels; weight gradient: dW written; input gradient: W read.
      streamBytes: weightBytes,
    };
  }
  const { batch: N, C, H, W, F, KH, KW, k } = layer;
  const [sh, sw] = layer.attrs.stride, [ph, pw] = layer.attrs.pad, [dh, dw] = layer.attrs.dilation;
  const P = convOutSize(H, KH, sh, ph, dh) * convOutSize(W, KW, sw, pw, dw);
  const F4 = Math.ceil(F / 4) * 4;
  return {
    denseFlops: 2 * N * F * P * C * KH * KW,
    sparseMacs: N * k * tapsPerPixel(layer) * F4,
    // the channels-last image each image's task zeroes or fills, and transposes (plus dx's zeroing)
    streamBytes: 4 * N * (2 * P * F4 + (pass === 'inputGrad' ? C * H * W : 0)),
  };
}

/** Estimated milliseconds of the dense and the sparse kernel for one pass. */
export function estimateMs(layer: SparseLayer, pass: SparsePass, rates: SparseRates = WASM_SPARSE_RATES): { dense: number; sparse: number } {
  const w = passWork(layer, pass);
  return {
    dense: w.denseFlops / (rates.denseGflops[layer.kind][pass] * 1e6),
    sparse: w.sparseMacs / (rates.sparseGmacs[layer.kind][pass] * 1e6) + w.streamBytes / (rates.streamGBs * 1e6) + rates.fixedMs,
  };
}

/** Whether the sparse kernel is expected to be faster for this pass. */
export function sparsePays(layer: SparseLayer, pass: SparsePass, rates: SparseRates = WASM_SPARSE_RATES): boolean {
  const e = estimateMs(layer, pass, rates);
  return e.sparse < e.dense;
}

/** Features per sample of the layer's sparse input (the k-WTA's row length). */
export function featuresOf(layer: SparseLayer): number {
  return layer.kind === 'linear' ? layer.inF : layer.C * layer.H * layer.W;
}

/**
 * The model's crossover: the largest density k / features (with dy as dense as x when `kOut`
 * follows x, i.e. k-WTA on both sides) at which the sparse kernel still pays, or 0 if it never
 * does. Found by bisection over k (the sparse estimate grows with k, the dense one does not).
 */
export function crossoverDensity(layer: SparseLayer, pass: SparsePass, rates: SparseRates = WASM_SPARSE_RATES, kOutFollows = false): number {
  const D = featuresOf(layer);
  const at = (k: number): SparseLayer => (layer.kind === 'linear' && kOutFollows
    ? { ...layer, k, kOut: Math.max(1, Math.round((k / D) * layer.out)) }
    : { ...layer, k });
  if (!sparsePays(at(1), pass, rates)) return 0;
  let lo = 1, hi = D;
  if (sparsePays(at(hi), pass, rates)) return 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (sparsePays(at(mid), pass, rates)) lo = mid;
    else hi = mid;
  }
  return lo / D;
}
