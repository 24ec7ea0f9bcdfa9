import type { Conv2dAttrs } from '../../backend.js';
import { ShapeError } from '../../errors.js';
import type { Shape } from '../../shape.js';
import { convOutSize } from '../../shape.js';
import { checkSparseRows, nnz, type SparseRows } from './sparse-rows.js';
import type { FloatArray } from './types.js';

/**
 * conv2d whose input is sparse per image (the winners of a k-WTA over C·H·W, index
 * c·H·W + h·W + w), in the reference form: plain loops, sums in float64. Each winner touches only
 * the outputs its filter taps reach, so the work is the winners' share of the dense convolution.
 */

/**
 * For each input coordinate h in [0, inSize), the filter taps that read it: the pairs (i, o) with
 * o·stride − pad + i·dilation = h, 0 <= o < outSize, 0 <= i < k, i ascending, stored as
 * tap[start[h] .. start[h+1]) and out[...]. Any stride, padding and dilation.
 */
export interface Taps {
  start: Int32Array;
  tap: Int32Array;
  out: Int32Array;
}

export function convTaps(inSize: number, k: number, stride: number, pad: number, dilation: number, outSize: number): Taps {
  const tap: number[] = [], out: number[] = [];
  const start = new Int32Array(inSize + 1);
  for (let h = 0; h < inSize; h++) {
    for (let i = 0; i < k; i++) {
      const t = h + pad - i * dilation;
      if (t < 0 || t % stride !== 0 || t / stride >= outSize) continue;
      tap.push(i);
      out.push(t / stride);
    }
    start[h + 1] = tap.length;
  }
  return { start, tap: Int32Array.from(tap), out: Int32Array.from(out) };
}

/** Sizes of a sparse convolution, checked against the sparse input's (the rows themselves are the caller's to check). */
export interface SparseConvGeometry {
  N: number; C: number; H: number; W: number; F: number; KH: number; KW: number; OH: number; OW: number;
  rows: Taps;
  cols: Taps;
}

export function sparseConvGeometry(op: string, x: SparseRows, xShape: Shape, wShape: Shape, attrs: Conv2dAttrs): SparseConvGeometry {
  const [N, C, H, W] = xShape;
  const [F, Cw, KH, KW] = wShape;
  if (xShape.length !== 4 || wShape.length !== 4 || C !== Cw) {
    throw new ShapeError(`${op}: input [${xShape.join(', ')}] and filter [${wShape.join(', ')}] do not make an NCHW convolution`);
  }
  if (x.rows !== N || x.cols !== C * H * W) {
    throw new ShapeError(`${op}: sparse input is ${x.rows} x ${x.cols}, expected ${N} x ${C * H * W} for input [${xShape.join(', ')}]`);
  }
  const [sh, sw] = attrs.stride, [ph, pw] = attrs.pad, [dh, dw] = attrs.dilation;
  const OH = convOutSize(H, KH, sh, ph, dh), OW = convOutSize(W, KW, sw, pw, dw);
  return { N, C, H, W, F, KH, KW, OH, OW, rows: convTaps(H, KH, sh, ph, dh, OH), cols: convTaps(W, KW, sw, pw, dw, OW) };
}

/**
 * Visit every (winner, filter tap) pair of image n: `visit(e, c, i, j, oh, ow)` for entry e of
 * x at channel c whose tap (i, j) lands on output (oh, ow).
 */
function forEachTap(x: SparseRows, g: SparseConvGeometry, n: number, visit: (e: number, c: number, i: number, j: number, oh: number, ow: number) => void): void {
  const plane = g.H * g.W;
  for (let e = x.rowPtr[n]; e < x.rowPtr[n + 1]; e++) {
    const idx = x.indices[e];
    const c = Math.floor(idx / plane), h = Math.floor((idx % plane) / g.W), w = idx % g.W;
    for (let a = g.rows.start[h]; a < g.rows.start[h + 1]; a++) {
      for (let b = g.cols.start[w]; b < g.cols.start[w + 1]; b++) visit(e, c, g.rows.tap[a], g.cols.tap[b], g.rows.out[a], g.cols.out[b]);
    }
  }
}

function toDtypeOf(like: FloatArray, v: Float64Array): FloatArray {
  const out = new (like.constructor as Float32ArrayConstructor | Float64ArrayConstructor)(v.length);
  out.set(v);
  return out;
}

/** y [N, F, OH, OW] = conv2d(x, W): each winner adds its value times the filter weights it meets. */
export function sparseConv2d(x: SparseRows, xShape: Shape, w: FloatArray, wShape: Shape, attrs: Conv2dAttrs): FloatArray {
  checkSparseRows('sparseConv2d', 'x', x);
  const g = sparseConvGeometry('sparseConv2d', x, xShape, wShape, attrs);
  const { C, F, KH, KW, OH, OW } = g;
  const y = new Float64Array(g.N * F * OH * OW);
  for (let n = 0; n < g.N; n++) {
    forEachTap(x, g, n, (e, c, i, j, oh, ow) => {
      const v = x.values[e];
      for (let f = 0; f < F; f++) y[((n * F + f) * OH + oh) * OW + ow] += v * w[((f * C + c) * KH + i) * KW + j];
    });
  }
  return toDtypeOf(w, y);
}

/** dW [F, C, KH, KW] = Σₙ dy[n] ⋆ x[n] over x's winners. */
export function sparseConv2dBackwardFilter(x: SparseRows, xShape: Shape, dy: FloatArray, filterShape: Shape, attrs: Conv2dAttrs): FloatArray {
  checkSparseRows('sparseConv2dBackwardFilter', 'x', x);
  const g = sparseConvGeometry('sparseConv2dBackwardFilter', x, xShape, filterShape, attrs);
  const { C, F, KH, KW, OH, OW } = g;
  const dw = new Float64Array(F * C * KH * KW);
  for (let n = 0; n < g.N; n++) {
    forEachTap(x, g, n, (e, c, i, j, oh, ow) => {
      const v = x.values[e];
      for (let f = 0; f < F; f++) dw[((f * C + c) * KH + i) * KW + j] += v * dy[((n * F + f) * OH + oh) * OW + ow];
    });
  }
  return toDtypeOf(dy, dw);
}

/** The input gradient only at x's winners: one value per entry of x, in x's order. */
export function sparseConv2dBackwardInput(dy: FloatArray, w: FloatArray, wShape: Shape, x: SparseRows, xShape: Shape, attrs: Conv2dAttrs): FloatArray {
  checkSparseRows('sparseConv2dBackwardInput', 'x', x);
  const g = sparseConvGeometry('sparseConv2dBackwardInput', x, xShape, wShape, attrs);
  const { C, F, KH, KW, OH, OW } = g;
  const dx = new Float64Array(nnz(x));
  for (let n = 0; n < g.N; n++) {
    forEachTap(x, g, n, (e, c, i, j, oh, ow) => {
      let s = 0;
      for (let f = 0; f < F; f++) s += w[((f * C + c) * KH + i) * KW + j] * dy[((n * F + f) * OH + oh) * OW + ow];
      dx[e] += s;
    });
  }
  return toDtypeOf(dy, dx);
}
