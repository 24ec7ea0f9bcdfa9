import type { DType, TypedArray } from './dtype.js';
import type { BinaryOp, CompareOp, UnaryOp } from './ops/definitions/index.js';
import type { Shape } from './shape.js';
import type { SparseRates } from './backends/sparse-cost.js';

export type { BinaryOp, CompareOp, UnaryOp };

/**
 * The backend interface: allocate, free, read, write and run a kernel. That is all a new backend
 * implements; shape checking, broadcasting rules, autodiff and memory scopes live in the core.
 *
 * A backend owns storage behind opaque `DataId` handles. Kernels receive `TensorInfo`s (handle +
 * shape + dtype) already validated by the core, and return freshly allocated outputs.
 */
export type DataId = object;

/** A tensor as a backend sees it: the id of its data, its shape and dtype. */
export interface TensorInfo {
  readonly dataId: DataId;
  readonly shape: Shape;
  readonly dtype: DType;
}

/** The reductions the reduce kernel computes. */
export type ReduceOp = 'sum' | 'max' | 'min';

/** Attributes of the conv2d kernels: stride, padding and dilation per spatial axis. */
export interface Conv2dAttrs {
  /** [strideH, strideW] */
  stride: [number, number];
  /** symmetric zero padding [padH, padW] */
  pad: [number, number];
  /** [dilationH, dilationW] */
  dilation: [number, number];
}

/** Attributes of the pooling kernels: window and stride (and padding) per spatial axis. */
export interface Pool2dAttrs {
  kernel: [number, number];
  stride: [number, number];
  pad: [number, number];
}

/**
 * Every kernel a backend must provide, with its attributes. Inputs/outputs per kernel:
 * - unary(x) -> y; binary(a, b) -> y (NumPy broadcasting); compare(a, b) -> bool mask; the ops
 *   and what each computes are the tables in ops/definitions (`unaryOps`, `binaryOps`, `compareOps`)
 * - where(cond: bool, a, b) -> y (broadcasting); cast(x) -> y of attrs.dtype
 * - reduce(x) -> y with the reduced axes removed; argReduce(x) -> int32 with attrs.axis removed
 * - matmul(a [..., M, K], b [..., K, N]) -> [..., M, N] (batch dims broadcast; transposes flip the
 *   last two dims of the stored operand)
 * - conv2d(x [N, C, H, W], w [F, C, KH, KW]) -> [N, F, OH, OW]
 * - conv2dBackwardInput(dy, w) -> dx of attrs.inputShape
 * - conv2dBackwardFilter(x, dy) -> dw of attrs.filterShape
 * - maxPool2d(x) -> [y, argmax (int32 index into each H*W plane)]
 * - maxPool2dBackward(dy, argmax) -> dx of attrs.inputShape
 * - avgPool2d(x) -> y (padding counts as zeros, divisor is the full window as in PyTorch's default)
 * - avgPool2dBackward(dy) -> dx of attrs.inputShape
 * - transpose(x) -> x permuted by attrs.perm; slice(x) -> x[begin : begin + size]
 * - pad(x) -> x with attrs.paddings [before, after] per axis filled with attrs.value
 * - concat(...xs) -> joined along attrs.axis
 * - gather(x, indices: int32 1-D) -> x taken along attrs.axis
 * - scatterAdd(dy, indices) -> zeros with attrs.size along attrs.axis, dy rows added at indices
 * - takeAlong(x [..., n], indices int32 [..., m]) -> [..., m]: per-row picks on the last axis
 * - scatterAlong(dy [..., m], indices) -> [..., attrs.size]: the adjoint of takeAlong (adds)
 * - topk(x) -> [indices (int32)]: the k largest of each row (last axis), in descending
 *   order; equal values keep the lower index first
 * - topkMask(x) -> bool mask marking exactly k winners per row (ties to the lower index)
 *
 * Sparse rows (docs/sparse.md): a row-sparse [R, C] matrix as rowPtr (int32 [R+1]), indices
 * (int32, ascending within each row, in [0, C)) and values; row r holds entries rowPtr[r] ..
 * rowPtr[r+1]. The sparse kernels are the dense ones told where an operand's non-zeros are.
 * - winners(x [R, C], mask) -> [rowPtr, indices, values]: the entries of x where the mask (exactly
 *   k per row, as topkMask makes it) is set; a row holding another count is an error
 * - nonzeros(x [R, C]) -> [rowPtr, indices, values]: the non-zero entries of each row (NaN counts,
 *   ±0 does not): a ReLU's output
 * - sparseLinear(x [N, in], w [out, in], rowPtr, indices, values) -> x · wᵀ, given that the rows
 *   list every non-zero of x (the forward of a linear layer after a k-WTA)
 * - sparseLinearWeightGrad(dy rows, x rows) -> dyᵀ · x [attrs.outFeatures, attrs.inFeatures]
 * - sparseLinearInputGrad(dy rows, w, x rowPtr, x indices) -> dy · w at x's entries, zero
 *   elsewhere [N, in] (what the k-WTA before the layer keeps of its input gradient)
 * - sparseConv2d(x, w, rowPtr, indices, values) -> conv2d(x, w), the rows listing every non-zero
 *   of each image (index c·H·W + h·W + w)
 * - sparseConv2dBackwardFilter(x rows, dy) -> dw of attrs.filterShape
 * - sparseConv2dBackwardInput(dy, w, x rowPtr, x indices) -> the input gradient at x's entries,
 *   zero elsewhere, of attrs.inputShape
 * - sgdUpdate(p, g[, buf]) -> [p'] or, with momentum, [p', buf']: one step of PyTorch's SGD
 *   (weight decay, dampening, Nesterov), each intermediate rounded as the composed ops round it
 */
export interface KernelAttrs {
  unary: { op: UnaryOp };
  binary: { op: BinaryOp };
  compare: { op: CompareOp };
  where: Record<string, never>;
  cast: { dtype: DType };
  reduce: { op: ReduceOp; axes: number[] };
  argReduce: { op: 'argmax' | 'argmin'; axis: number };
  matmul: { transposeA: boolean; transposeB: boolean };
  conv2d: Conv2dAttrs;
  conv2dBackwardInput: Conv2dAttrs & { inputShape: Shape };
  conv2dBackwardFilter: Conv2dAttrs & { filterShape: Shape };
  maxPool2d: Pool2dAttrs;
  maxPool2dBackward: Pool2dAttrs & { inputShape: Shape };
  avgPool2d: Pool2dAttrs;
  avgPool2dBackward: Pool2dAttrs & { inputShape: Shape };
  transpose: { perm: number[] };
  slice: { begin: number[]; size: number[] };
  pad: { paddings: [number, number][]; value: number };
  concat: { axis: number };
  gather: { axis: number };
  scatterAdd: { axis: number; size: number };
  takeAlong: Record<string, never>;
  scatterAlong: { size: number };
  topk: { k: number };
  topkMask: { k: number };
  winners: { k: number };
  nonzeros: Record<string, never>;
  sparseLinear: Record<string, never>;
  sparseLinearWeightGrad: { outFeatures: number; inFeatures: number };
  sparseLinearInputGrad: Record<string, never>;
  sparseConv2d: Conv2dAttrs;
  sparseConv2dBackwardFilter: Conv2dAttrs & { inputShape: Shape; filterShape: Shape };
  sparseConv2dBackwardInput: Conv2dAttrs & { inputShape: Shape };
  sgdUpdate: SgdAttrs;
}

/** One step of SGD as PyTorch's torch.optim.SGD takes it (`sgdUpdate`). */
export interface SgdAttrs {
  lr: number;
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
}

/** The name of a backend kernel. */
export type KernelName = keyof KernelAttrs;

/** Every kernel once: a key missing here (or one too many) is a type error. */
const KERNELS: { [K in KernelName]: true } = {
  unary: true, binary: true, compare: true, where: true, cast: true, reduce: true, argReduce: true, matmul: true,
  conv2d: true, conv2dBackwardInput: true, conv2dBackwardFilter: true, maxPool2d: true, maxPool2dBackward: true,
  avgPool2d: true, avgPool2dBackward: true, transpose: true, slice: true, pad: true, concat: true, gather: true,
  scatterAdd: true, takeAlong: true, scatterAlong: true, topk: true, topkMask: true,
  winners: true, nonzeros: true, sparseLinear: true, sparseLinearWeightGrad: true, sparseLinearInputGrad: true,
  sparseConv2d: true, sparseConv2dBackwardFilter: true, sparseConv2dBackwardInput: true, sgdUpdate: true,
};

/** Every kernel a backend implements. */
export const KERNEL_NAMES = Object.keys(KERNELS) as readonly KernelName[];

/** What a backend holds: live tensors, buffers and bytes. */
export interface MemoryInfo {
  /** storages currently allocated and not freed */
  numBuffers: number;
  numBytes: number;
}

/** What a compute backend implements: storage (upload, read, dispose), the kernels, memory accounting. */
export interface Backend {
  readonly name: string;
  /** Allocate zero-filled storage for `size` elements of `dtype`. */
  alloc(dtype: DType, size: number): DataId;
  /** Copy host values into storage (length must match). */
  write(dataId: DataId, values: TypedArray): void;
  /** Copy storage back to the host. */
  read(dataId: DataId): TypedArray;
  /** Release storage; reading it afterwards is an error. */
  free(dataId: DataId): void;
  /**
   * Run one kernel on validated inputs; returns newly allocated outputs. `donated` (optional to
   * honour) lists inputs the caller is about to discard: the kernel may write an output of the
   * same shape and dtype into one and return that input's dataId (buffer donation, as in XLA;
   * what the SGD update does with a parameter nothing else shares).
   */
  run<K extends KernelName>(kernel: K, inputs: readonly TensorInfo[], attrs: KernelAttrs[K], donated?: readonly number[]): TensorInfo[];
  /** Live tensors, buffers and bytes held by this backend. */
  memory(): MemoryInfo;
  /**
   * How fast this backend's dense and sparse kernels run, for the cost model that decides when a
   * layer after a k-WTA uses its winners (docs/sparse.md). Absent: the sparse kernels never pay
   * here, and only `setSparsePath('always')` (tests) runs them.
   */
  readonly sparseRates?: SparseRates;
}
