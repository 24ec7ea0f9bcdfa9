import type { Conv2dAttrs, Pool2dAttrs } from '../backend.js';
import { runOp } from '../autodiff/op.js';
import type { Shape } from '../shape.js';
import type { Tensor } from '../tensor.js';

// The adjoint kernels that gradient rules call. They are ops like any other (so rules stay
// backend-independent) but are not themselves differentiated (no second-order gradients).

export function conv2dBackwardInput(dy: Tensor, w: Tensor, inputShape: Shape, attrs: Conv2dAttrs): Tensor {
  return runOp('conv2dBackwardInput', [dy, w], { ...attrs, inputShape })[0];
}

export function conv2dBackwardFilter(x: Tensor, dy: Tensor, filterShape: Shape, attrs: Conv2dAttrs): Tensor {
  return runOp('conv2dBackwardFilter', [x, dy], { ...attrs, filterShape })[0];
}

export function maxPool2dBackward(dy: Tensor, argmax: Tensor, inputShape: Shape, attrs: Pool2dAttrs): Tensor {
  return runOp('maxPool2dBackward', [dy, argmax], { ...attrs, inputShape })[0];
}

export function avgPool2dBackward(dy: Tensor, inputShape: Shape, attrs: Pool2dAttrs): Tensor {
  return runOp('avgPool2dBackward', [dy], { ...attrs, inputShape })[0];
}

export function scatterAdd(dy: Tensor, indices: Tensor, axis: number, size: number): Tensor {
  return runOp('scatterAdd', [dy, indices], { axis, size })[0];
}

export function scatterAlong(dy: Tensor, indices: Tensor, size: number): Tensor {
  return runOp('scatterAlong', [dy, indices], { size })[0];
}
