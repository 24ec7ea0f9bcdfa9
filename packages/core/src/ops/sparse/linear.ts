import type { GradContext } from '../../autodiff/rules.js';
import { runOp } from '../../autodiff/op.js';
import type { LinearLayer } from '../../backends/sparse-cost.js';
import type { Tensor } from '../../tensor.js';
import { forwardRows, gradientMaskedAt, sparseWins } from './choose.js';
import { winnersOf, type Winners } from './structure.js';

/**
 * A linear layer y = a · wᵀ (w [out, in], PyTorch's layout: what `Linear` runs as matmul(a, w,
 * { transposeB: true })) whose input a [N, in] carries a k-WTA's winners (or, forward only, a
 * ReLU's zeros). Each function returns null when its sparse kernel does not apply or does not
 * pay; the caller then runs the dense one.
 */

/** a's winners and the layer for the cost model, when a and w are a linear layer's input and weight. */
function layerOf(a: Tensor, w: Tensor, tA: boolean, tB: boolean, dy?: Tensor): { x: Winners; d: Winners | null; layer: LinearLayer } | null {
  const x = winnersOf(a);
  if (!x || tA || !tB || a.rank !== 2 || w.rank !== 2 || a.dtype !== w.dtype || (dy && dy.dtype !== a.dtype)) return null;
  const d = dy ? winnersOf(dy) : null;
  return { x, d, layer: { kind: 'linear', batch: a.shape[0], inF: a.shape[1], out: w.shape[0], k: x.k, ...(d ? { kOut: d.k } : {}) } };
}

/** a · wᵀ from a's winners or a ReLU's non-zeros (the tape records the matmul, so its rule runs backward). */
export function linearForward(a: Tensor, w: Tensor, tA: boolean, tB: boolean): Tensor | null {
  if (tA || !tB || a.rank !== 2 || w.rank !== 2 || a.dtype !== w.dtype) return null;
  const x = forwardRows(a, (k) => ({ kind: 'linear', batch: a.shape[0], inF: a.shape[1], out: w.shape[0], k }));
  return x && runOp('sparseLinear', [a, w, x.rowPtr, x.indices, x.values], {})[0];
}

/** dW = dyᵀ · a from both operands' winners (dy carries the next k-WTA's, through its backward). */
export function linearWeightGrad(dy: Tensor, a: Tensor, w: Tensor, tA: boolean, tB: boolean): Tensor | null {
  const l = layerOf(a, w, tA, tB, dy);
  if (!l?.d || !sparseWins(a.storage.backend, l.layer, 'weightGrad')) return null;
  const xs = l.x.entries(a.storage, a.dtype), ds = l.d.entries(dy.storage, dy.dtype);
  return runOp('sparseLinearWeightGrad', [ds.rowPtr, ds.indices, ds.values, xs.rowPtr, xs.indices, xs.values], {
    outFeatures: l.layer.out, inFeatures: l.layer.inF,
  })[0];
}

/**
 * da = dy · w at a's winners only (zero elsewhere), from dy's winners: exact for every gradient
 * the pass returns when a's gradient only reaches them through a's own k-WTA (gradientMaskedAt).
 */
export function linearInputGrad(dy: Tensor, a: Tensor, w: Tensor, tA: boolean, tB: boolean, ctx: GradContext): Tensor | null {
  const l = layerOf(a, w, tA, tB, dy);
  if (!l?.d || !gradientMaskedAt(a, l.x, ctx) || !sparseWins(a.storage.backend, l.layer, 'inputGrad')) return null;
  const xs = l.x.entries(a.storage, a.dtype), ds = l.d.entries(dy.storage, dy.dtype);
  return runOp('sparseLinearInputGrad', [ds.rowPtr, ds.indices, ds.values, w, xs.rowPtr, xs.indices], {})[0];
}
