import type { KernelAttrs, KernelName } from '../backend.js';
import { isFloat } from '../dtype.js';
import { binaryDef, unaryDef, type DiffBinaryOp, type DiffUnaryOp } from '../ops/definitions/index.js';
import type { Tensor } from '../tensor.js';
import type { DiffOp, OpAttrs } from './rules.js';

/** A tape entry: the differentiable op a kernel run is, its differentiable inputs and what its rule needs saved. */
export interface TapeEntry<O extends DiffOp = DiffOp> {
  op: O;
  inputs: Tensor[];
  attrs: OpAttrs[O];
}

/** How a run of kernel K appears on the tape, from its inputs, attrs and outputs; null: no gradient. */
export type TapeRecipe<K extends KernelName> = (inputs: Tensor[], attrs: KernelAttrs[K], outputs: Tensor[]) => TapeEntry | null;

const entry = <O extends DiffOp>(op: O, inputs: Tensor[], attrs: OpAttrs[O]): TapeEntry => ({ op, inputs, attrs });
const none = (): null => null;

/**
 * For every kernel, the tape entry its run records (as TensorFlow.js's engine records a kernel
 * that has a gradient): a new kernel must say here whether and how it is differentiated. The
 * rules themselves are `gradRules`. Saved tensors (argmax, cond, indices) travel in the attrs.
 */
export const tapeRecipes: { [K in KernelName]: TapeRecipe<K> } = {
  unary: (x, { op }) => (unaryDef(op).grad ? entry(op as DiffUnaryOp, x, {}) : null),
  binary: (x, { op }) => (binaryDef(op).grad ? entry(op as DiffBinaryOp, x, {}) : null),
  compare: none,
  // The condition is a mask, not an input the gradient flows to.
  where: ([cond, a, b]) => entry('where', [a, b], { cond }),
  // Float-to-float casts pass gradients; to or from int32/bool they cut them.
  cast: ([x], { dtype }) => (isFloat(x.dtype) && isFloat(dtype) ? entry('cast', [x], {}) : null),
  reduce: (x, { op, axes }) => entry(op, x, { axes }),
  argReduce: none,
  matmul: (x, attrs) => entry('matmul', x, attrs),
  conv2d: (x, attrs) => entry('conv2d', x, attrs),
  maxPool2d: (x, attrs, [, argmax]) => entry('maxPool2d', x, { ...attrs, argmax }),
  avgPool2d: (x, attrs) => entry('avgPool2d', x, attrs),
  transpose: (x, { perm }) => entry('transpose', x, { perm }),
  slice: (x, { begin }) => entry('slice', x, { begin }),
  pad: (x, { paddings }) => entry('pad', x, { paddings }),
  concat: (xs, { axis }) => entry('concat', xs, { axis, sizes: xs.map((t) => t.shape[axis]) }),
  gather: ([x, indices], { axis }) => entry('gather', [x], { axis, indices, size: x.shape[axis] }),
  takeAlong: ([x, indices]) => entry('takeAlong', [x], { indices, size: x.shape[x.rank - 1] }),
  topk: none,
  topkMask: none,
  // The sparse forward kernels are the dense ones told where x's non-zeros are: the same op on
  // the tape, so the same rule (which picks its own sparse or dense adjoints).
  sparseLinear: ([x, w]) => entry('matmul', [x, w], { transposeA: false, transposeB: true }),
  sparseConv2d: ([x, w], attrs) => entry('conv2d', [x, w], attrs),
  winners: none,
  nonzeros: none,
  sgdUpdate: none,
  // The adjoints run inside backward rules and are not differentiated themselves (no second order).
  conv2dBackwardInput: none,
  conv2dBackwardFilter: none,
  maxPool2dBackward: none,
  avgPool2dBackward: none,
  scatterAdd: none,
  scatterAlong: none,
  sparseLinearWeightGrad: none,
  sparseLinearInputGrad: none,
  sparseConv2dBackwardFilter: none,
  sparseConv2dBackwardInput: none,
};
