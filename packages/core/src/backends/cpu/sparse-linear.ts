import { ShapeError } from '../../errors.js';
import { checkSparseRows, nnz, transposeRows, type SparseRows } from './sparse-rows.js';
import type { FloatArray } from './types.js';

/**
 * A linear layer whose input is row-sparse (a k-WTA's winners), in the reference form: plain
 * loops, sums in float64 (JS numbers), weights in PyTorch's layout W [out, in]. The work is the
 * stored entries' share of the dense product: about k/in of it.
 */

function newLike(a: FloatArray, n: number): FloatArray {
  return new (a.constructor as Float32ArrayConstructor | Float64ArrayConstructor)(n);
}

function checkWeight(op: string, w: FloatArray, out: number, inF: number): void {
  if (w.length !== out * inF) throw new ShapeError(`${op}: weight has ${w.length} elements, expected [${out}, ${inF}]`);
}

/** dy and x of one backward product: both well-formed, one row per sample each. */
export function checkPair(op: string, dy: SparseRows, x: SparseRows): void {
  checkSparseRows(op, 'dy', dy);
  checkSparseRows(op, 'x', x);
  if (dy.rows !== x.rows) throw new ShapeError(`${op}: dy has ${dy.rows} rows, x has ${x.rows}`);
}

/** y [N, out] = x · Wᵀ: y[n, o] = Σ over row n's entries (i, v) of v · W[o, i]. */
export function sparseLinear(x: SparseRows, w: FloatArray, out: number): FloatArray {
  checkSparseRows('sparseLinear', 'x', x);
  checkWeight('sparseLinear', w, out, x.cols);
  const y = newLike(w, x.rows * out);
  // Weight row outer: each row of W is read once for the whole batch.
  for (let o = 0; o < out; o++) {
    const wo = o * x.cols;
    for (let n = 0; n < x.rows; n++) {
      let s = 0;
      for (let e = x.rowPtr[n]; e < x.rowPtr[n + 1]; e++) s += x.values[e] * w[wo + x.indices[e]];
      y[n * out + o] = s;
    }
  }
  return y;
}

/**
 * dW [out, in] = dyᵀ · x, a sum of sparse outer products: dW[o, i] = Σₙ dy[n, o] · x[n, i] over
 * the entries of both. dy [N, out] is sparse rows too (its non-zeros, or the next k-WTA's
 * winners), so the work is Σₙ nnz(dy row n) · nnz(x row n).
 */
export function sparseLinearWeightGrad(dy: SparseRows, x: SparseRows): FloatArray {
  checkPair('sparseLinearWeightGrad', dy, x);
  const cols = transposeRows(dy);
  const dw = newLike(x.values, dy.cols * x.cols);
  const acc = new Float64Array(x.cols);
  for (let o = 0; o < dy.cols; o++) {
    acc.fill(0);
    for (let e = cols.rowPtr[o]; e < cols.rowPtr[o + 1]; e++) {
      const n = cols.indices[e], d = cols.values[e];
      for (let t = x.rowPtr[n]; t < x.rowPtr[n + 1]; t++) acc[x.indices[t]] += d * x.values[t];
    }
    dw.set(acc, o * x.cols);
  }
  return dw;
}

/**
 * The input gradient dx = dy · W only where x has entries (the k-WTA before this layer zeroes
 * the rest in its backward pass): one value per entry of x, in x's order.
 */
export function sparseLinearInputGrad(dy: SparseRows, w: FloatArray, x: SparseRows): FloatArray {
  checkPair('sparseLinearInputGrad', dy, x);
  checkWeight('sparseLinearInputGrad', w, dy.cols, x.cols);
  const dx = newLike(x.values, nnz(x));
  for (let n = 0; n < x.rows; n++) {
    for (let t = x.rowPtr[n]; t < x.rowPtr[n + 1]; t++) {
      const i = x.indices[t];
      let s = 0;
      for (let e = dy.rowPtr[n]; e < dy.rowPtr[n + 1]; e++) s += dy.values[e] * w[dy.indices[e] * x.cols + i];
      dx[t] = s;
    }
  }
  return dx;
}
