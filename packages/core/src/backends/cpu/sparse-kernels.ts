import type { KernelAttrs } from '../../backend.js';
import { convOutSize, sizeOf } from '../../shape.js';
import { sparseConv2d as convForward, sparseConv2dBackwardFilter as convFilter, sparseConv2dBackwardInput as convInput } from './sparse-conv.js';
import { sparseLinear as linearForward, sparseLinearInputGrad as linearInput, sparseLinearWeightGrad as linearWeight } from './sparse-linear.js';
import { nonzeroRows, scatterRows, winnersFromMask, type SparseRows } from './sparse-rows.js';
import type { CpuArray, FloatArray } from './types.js';

// The sparse kernels of the CPU backend (KernelAttrs in backend.ts says what each computes): the
// TypeScript references of sparse-rows.ts, sparse-linear.ts and sparse-conv.ts on the kernel
// table's arrays. Rows are checked by the references before any index is used.

/** Sparse rows from kernel inputs: rowPtr and indices (int32), values (or zeros when only the pattern matters). */
function rowsOf(rowPtr: CpuArray, indices: CpuArray, values: CpuArray | null, cols: number, like: FloatArray): SparseRows {
  const ptr = rowPtr.values as Int32Array, idx = indices.values as Int32Array;
  const vals = values ? (values.values as FloatArray) : new (like.constructor as Float32ArrayConstructor)(idx.length);
  return { rows: Math.max(0, ptr.length - 1), cols, rowPtr: ptr, indices: idx, values: vals };
}

const float = (values: FloatArray, shape: number[], like: CpuArray): CpuArray => ({ values, shape, dtype: like.dtype });

/** [rows, cols] of x's last axis. */
function rowsCols(x: CpuArray): [number, number] {
  const cols = x.shape[x.shape.length - 1] ?? 1;
  return [cols === 0 ? 0 : sizeOf(x.shape) / cols, cols];
}

function rowTensors(s: SparseRows, x: CpuArray): CpuArray[] {
  return [
    { values: s.rowPtr, shape: [s.rows + 1], dtype: 'int32' },
    { values: s.indices, shape: [s.indices.length], dtype: 'int32' },
    float(s.values, [s.values.length], x),
  ];
}

export function winners([x, mask]: CpuArray[], { k }: KernelAttrs['winners']): CpuArray[] {
  const [rows, cols] = rowsCols(x);
  return rowTensors(winnersFromMask(x.values as FloatArray, mask.values as Uint8Array, rows, cols, k), x);
}

export function nonzeros([x]: CpuArray[]): CpuArray[] {
  const [rows, cols] = rowsCols(x);
  return rowTensors(nonzeroRows(x.values as FloatArray, rows, cols), x);
}

export function sparseLinear([x, w, rowPtr, indices, values]: CpuArray[]): CpuArray[] {
  const [out, inF] = w.shape;
  const rows = rowsOf(rowPtr, indices, values, inF, w.values as FloatArray);
  return [float(linearForward(rows, w.values as FloatArray, out), [x.shape[0], out], w)];
}

export function sparseLinearWeightGrad(
  [dyPtr, dyIdx, dyVal, xPtr, xIdx, xVal]: CpuArray[], { outFeatures, inFeatures }: KernelAttrs['sparseLinearWeightGrad'],
): CpuArray[] {
  const like = xVal.values as FloatArray;
  const dy = rowsOf(dyPtr, dyIdx, dyVal, outFeatures, like), x = rowsOf(xPtr, xIdx, xVal, inFeatures, like);
  return [float(linearWeight(dy, x), [outFeatures, inFeatures], xVal)];
}

export function sparseLinearInputGrad([dyPtr, dyIdx, dyVal, w, xPtr, xIdx]: CpuArray[]): CpuArray[] {
  const [out, inF] = w.shape;
  const like = w.values as FloatArray;
  const dy = rowsOf(dyPtr, dyIdx, dyVal, out, like), x = rowsOf(xPtr, xIdx, null, inF, like);
  return [float(scatterRows(x, linearInput(dy, like, x)), [x.rows, inF], w)];
}

export function sparseConv2d([x, w, rowPtr, indices, values]: CpuArray[], attrs: KernelAttrs['sparseConv2d']): CpuArray[] {
  const [N, C, H, W] = x.shape, [F, , KH, KW] = w.shape;
  const rows = rowsOf(rowPtr, indices, values, C * H * W, w.values as FloatArray);
  const OH = convOutSize(H, KH, attrs.stride[0], attrs.pad[0], attrs.dilation[0]);
  const OW = convOutSize(W, KW, attrs.stride[1], attrs.pad[1], attrs.dilation[1]);
  return [float(convForward(rows, x.shape, w.values as FloatArray, w.shape, attrs), [N, F, OH, OW], w)];
}

export function sparseConv2dBackwardFilter([rowPtr, indices, values, dy]: CpuArray[], attrs: KernelAttrs['sparseConv2dBackwardFilter']): CpuArray[] {
  const [, C, H, W] = attrs.inputShape;
  const rows = rowsOf(rowPtr, indices, values, C * H * W, dy.values as FloatArray);
  return [float(convFilter(rows, attrs.inputShape, dy.values as FloatArray, attrs.filterShape, attrs), [...attrs.filterShape], dy)];
}

export function sparseConv2dBackwardInput([dy, w, rowPtr, indices]: CpuArray[], attrs: KernelAttrs['sparseConv2dBackwardInput']): CpuArray[] {
  const [, C, H, W] = attrs.inputShape;
  const like = dy.values as FloatArray;
  const rows = rowsOf(rowPtr, indices, null, C * H * W, like);
  const atEntries = convInput(like, w.values as FloatArray, w.shape, rows, attrs.inputShape, attrs);
  return [float(scatterRows(rows, atEntries), [...attrs.inputShape], dy)];
}
