import type { GradContext } from '../../autodiff/rules.js';
import { runOp } from '../../autodiff/op.js';
import type { LinearLayer } from '../../backends/sparse-cost.js';
import type { Tensor } from '../../tensor.js';
import { sparseRows, forwardRows, gradientMaskedAt, sparseWins, structureOf } from './choose.js';

/**
 * A linear layer y = a · wᵀ (w [out, in], PyTorch's layout: what `Linear` runs as matmul(a, w,
 * { transposeB: true })) whose input a [N, in] carries a k-WTA's winners or a ReLU's zeros, and,
 * backward, whose dy carries the next k-WTA's winners or the next ReLU's zeros (through that
 * activation's backward). Each function returns null when its sparse kernel does not apply or does
 * not pay; the caller then runs the dense one.
 */

/** Is this matmul a linear layer the sparse kernels take (a [N, in] · wᵀ, one float dtype)? */
const isLinear = (a: Tensor, w: Tensor, tA: boolean, tB: boolean, dy?: Tensor): boolean =>
  !tA && tB && a.rank === 2 && w.rank === 2 && a.dtype === w.dtype && (!dy || (dy.rank === 2 && dy.dtype === a.dtype));

/** The layer for the cost model, with k entries per row of a and kOut per row of dy. */
const layerAt = (a: Tensor, w: Tensor, k: number, kOut?: number): LinearLayer =>
  ({ kind: 'linear', batch: a.shape[0], inF: a.shape[1], out: w.shape[0], k, ...(kOut === undefined ? {} : { kOut }) });

/** a · wᵀ from a's winners or a ReLU's non-zeros (the tape records the matmul, so its rule runs backward). */
export function linearForward(a: Tensor, w: Tensor, tA: boolean, tB: boolean): Tensor | null {
  if (!isLinear(a, w, tA, tB)) return null;
  const x = forwardRows(a, (k) => layerAt(a, w, k));
  return x && runOp('sparseLinear', [a, w, x.rowPtr, x.indices, x.values], {})[0];
}

/** dW = dyᵀ · a from both operands' sparse rows. */
export function linearWeightGrad(dy: Tensor, a: Tensor, w: Tensor, tA: boolean, tB: boolean): Tensor | null {
  if (!isLinear(a, w, tA, tB, dy)) return null;
  const rows = sparseRows([dy, a], ([kOut, k]) => sparseWins(a.storage.backend, layerAt(a, w, k, kOut), 'weightGrad'));
  if (!rows) return null;
  const [ds, xs] = rows;
  return runOp('sparseLinearWeightGrad', [ds.rowPtr, ds.indices, ds.values, xs.rowPtr, xs.indices, xs.values], {
    outFeatures: w.shape[0], inFeatures: a.shape[1],
  })[0];
}

/**
 * da = dy · w at a's entries only (zero elsewhere), from dy's sparse rows: exact for every
 * gradient the pass returns when a's gradient only reaches them through the activation that made
 * a (gradientMaskedAt).
 */
export function linearInputGrad(dy: Tensor, a: Tensor, w: Tensor, tA: boolean, tB: boolean, ctx: GradContext): Tensor | null {
  const s = isLinear(a, w, tA, tB, dy) ? structureOf(a) : null;
  if (!s || !gradientMaskedAt(a, s, ctx)) return null;
  const rows = sparseRows([dy, a], ([kOut, k]) => sparseWins(a.storage.backend, layerAt(a, w, k, kOut), 'inputGrad'));
  if (!rows) return null;
  const [ds, xs] = rows;
  return runOp('sparseLinearInputGrad', [ds.rowPtr, ds.indices, ds.values, w, xs.rowPtr, xs.indices], {})[0];
}
