import type { GradContext } from '../../autodiff/rules.js';
import { runOp } from '../../autodiff/op.js';
import type { Conv2dAttrs } from '../../backend.js';
import type { ConvLayer, SparsePass } from '../../backends/sparse-cost.js';
import type { Shape } from '../../shape.js';
import type { Tensor } from '../../tensor.js';
import { sparseRows, forwardRows, gradientMaskedAt, sparseWins, structureOf } from './choose.js';
import type { SparseTensors } from './structure.js';

/**
 * conv2d whose input x [N, C, H, W] carries a k-WTA's winners over each image (C·H·W) or a
 * ReLU's zeros. Each function returns null when its sparse kernel does not apply or does not pay;
 * the caller then runs the dense kernel.
 */

/** The layer for the cost model, with k entries per image of x. */
function layerAt(x: Tensor, wShape: Shape, attrs: Conv2dAttrs, k: number): ConvLayer {
  const [N, C, H, W] = x.shape, [F, , KH, KW] = wShape;
  return { kind: 'conv2d', batch: N, C, H, W, F, KH, KW, attrs, k };
}

/** x's sparse rows for a backward pass, when x is a float image batch like `other` and the pass pays. */
function backwardImageRows(x: Tensor, other: Tensor, wShape: Shape, attrs: Conv2dAttrs, pass: SparsePass): SparseTensors | null {
  if (x.rank !== 4 || x.dtype !== other.dtype) return null;
  return sparseRows([x], ([k]) => sparseWins(x.storage.backend, layerAt(x, wShape, attrs, k), pass))?.[0] ?? null;
}

/** conv2d(x, w) from x's winners or a ReLU's non-zeros (the tape records the conv2d, so its rule runs backward). */
export function convForward(x: Tensor, w: Tensor, attrs: Conv2dAttrs): Tensor | null {
  if (x.rank !== 4 || x.dtype !== w.dtype) return null;
  const s = forwardRows(x, (k) => layerAt(x, w.shape, attrs, k));
  return s && runOp('sparseConv2d', [x, w, s.rowPtr, s.indices, s.values], attrs)[0];
}

/** The filter gradient from x's sparse rows and the dense dy. */
export function convFilterGrad(x: Tensor, dy: Tensor, filterShape: Shape, attrs: Conv2dAttrs): Tensor | null {
  const s = backwardImageRows(x, dy, filterShape, attrs, 'weightGrad');
  return s && runOp('sparseConv2dBackwardFilter', [s.rowPtr, s.indices, s.values, dy], { ...attrs, inputShape: x.shape, filterShape })[0];
}

/** The input gradient at x's entries only, zero elsewhere (exact downstream: see gradientMaskedAt). */
export function convInputGrad(dy: Tensor, w: Tensor, x: Tensor, attrs: Conv2dAttrs, ctx: GradContext): Tensor | null {
  const structure = structureOf(x);
  if (!structure || !gradientMaskedAt(x, structure, ctx)) return null;
  const s = backwardImageRows(x, dy, w.shape, attrs, 'inputGrad');
  return s && runOp('sparseConv2dBackwardInput', [dy, w, s.rowPtr, s.indices], { ...attrs, inputShape: x.shape })[0];
}
