import type { GradContext } from '../../autodiff/rules.js';
import { runOp } from '../../autodiff/op.js';
import type { Conv2dAttrs } from '../../backend.js';
import type { ConvLayer } from '../../backends/sparse-cost.js';
import type { Shape } from '../../shape.js';
import type { Tensor } from '../../tensor.js';
import { forwardRows, gradientMaskedAt, sparseWins } from './choose.js';
import { winnersOf, type Winners } from './structure.js';

/**
 * conv2d whose input x [N, C, H, W] carries a k-WTA's winners over each image (C·H·W), or,
 * forward only, a ReLU's zeros. Each function returns null when its sparse kernel does not apply
 * or does not pay; the caller then runs the dense kernel.
 */

function layerOf(x: Tensor, wShape: Shape, attrs: Conv2dAttrs, other: Tensor): { winners: Winners; layer: ConvLayer } | null {
  const winners = winnersOf(x);
  if (!winners || x.rank !== 4 || x.dtype !== other.dtype) return null;
  const [N, C, H, W] = x.shape, [F, , KH, KW] = wShape;
  return { winners, layer: { kind: 'conv2d', batch: N, C, H, W, F, KH, KW, attrs, k: winners.k } };
}

/** conv2d(x, w) from x's winners or a ReLU's non-zeros (the tape records the conv2d, so its rule runs backward). */
export function convForward(x: Tensor, w: Tensor, attrs: Conv2dAttrs): Tensor | null {
  if (x.rank !== 4 || x.dtype !== w.dtype) return null;
  const [N, C, H, W] = x.shape, [F, , KH, KW] = w.shape;
  const s = forwardRows(x, (k) => ({ kind: 'conv2d', batch: N, C, H, W, F, KH, KW, attrs, k }));
  return s && runOp('sparseConv2d', [x, w, s.rowPtr, s.indices, s.values], attrs)[0];
}

/** The filter gradient from x's winners and the dense dy. */
export function convFilterGrad(x: Tensor, dy: Tensor, filterShape: Shape, attrs: Conv2dAttrs): Tensor | null {
  const l = layerOf(x, filterShape, attrs, dy);
  if (!l || !sparseWins(x.storage.backend, l.layer, 'weightGrad')) return null;
  const s = l.winners.entries(x.storage, x.dtype);
  return runOp('sparseConv2dBackwardFilter', [s.rowPtr, s.indices, s.values, dy], { ...attrs, inputShape: x.shape, filterShape })[0];
}

/** The input gradient at x's winners only, zero elsewhere (exact downstream: see gradientMaskedAt). */
export function convInputGrad(dy: Tensor, w: Tensor, x: Tensor, attrs: Conv2dAttrs, ctx: GradContext): Tensor | null {
  const l = layerOf(x, w.shape, attrs, dy);
  if (!l || !gradientMaskedAt(x, l.winners, ctx) || !sparseWins(x.storage.backend, l.layer, 'inputGrad')) return null;
  const s = l.winners.entries(x.storage, x.dtype);
  return runOp('sparseConv2dBackwardInput', [dy, w, s.rowPtr, s.indices], { ...attrs, inputShape: x.shape })[0];
}
