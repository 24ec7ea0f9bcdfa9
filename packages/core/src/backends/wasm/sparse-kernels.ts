import type { KernelAttrs, KernelName, TensorInfo } from '../../backend.js';
import { sizeOf } from '../../shape.js';
import type { WasmContext } from './context.js';
import { sparseConv2dBackwardFilterWasm, sparseConv2dBackwardInputWasm, sparseConv2dWasm } from './sparse-conv.js';
import { sparseLinearInputGradWasm, sparseLinearWasm, sparseLinearWeightGradWasm } from './sparse-linear.js';
import { extractNonzerosWasm, extractWinnersWasm, rowsFromTensors, type RowsInWasm } from './sparse-rows.js';
import type { WasmData } from './storage.js';

/**
 * A fast kernel of the wasm backend: its outputs, or null to run the TypeScript kernel.
 * `donated`: inputs it may overwrite with an output (Backend.run).
 */
export type FastKernel<K extends KernelName> = (ctx: WasmContext, inputs: readonly TensorInfo[], attrs: KernelAttrs[K], donated: readonly number[]) => TensorInfo[] | null;

const operand = (ctx: WasmContext, t: TensorInfo) => ctx.store.operand(t.dataId);

/** [rows, cols] of x's last axis. */
function rowsCols(x: TensorInfo): [number, number] {
  const cols = x.shape[x.shape.length - 1] ?? 0;
  return [cols === 0 ? 0 : sizeOf(x.shape) / cols, cols];
}

/** Rows an extraction made in the heap as the kernel's outputs; null (built on the host: no heap room) runs the TypeScript kernel, whose outputs are host arrays too. */
function rowTensors(s: RowsInWasm & { data?: WasmData[] }): TensorInfo[] | null {
  if (!s.data) return null;
  const n = s.rowPtr[s.rows];
  return [
    { dataId: s.data[0], shape: [s.rows + 1], dtype: 'int32' },
    { dataId: s.data[1], shape: [n], dtype: 'int32' },
    { dataId: s.data[2], shape: [n], dtype: 'float32' },
  ];
}

/**
 * The sparse kernels of backend.ts on the wasm SIMD kernels (sparse-rows.ts, sparse-linear.ts,
 * sparse-conv.ts), float32 only. The rows the `winners` kernel made stay in the heap and are
 * read in place; rows from elsewhere are checked and copied in.
 */
export const SPARSE_FAST: { [K in KernelName]?: FastKernel<K> } = {
  winners: (ctx, [x, mask], { k }) => {
    const [rows, cols] = rowsCols(x);
    return rowTensors(extractWinnersWasm(ctx, operand(ctx, x), ctx.store.mask(mask.dataId), rows, cols, k));
  },
  nonzeros: (ctx, [x]) => {
    const [rows, cols] = rowsCols(x);
    return rowTensors(extractNonzerosWasm(ctx, operand(ctx, x), rows, cols));
  },
  sparseLinear: (ctx, [, w, rowPtr, indices, values]) => [
    sparseLinearWasm(ctx, rowsFromTensors(ctx, rowPtr, indices, values, w.shape[1]), operand(ctx, w), w.shape[0]),
  ],
  sparseLinearWeightGrad: (ctx, [dp, di, dv, xp, xi, xv], { outFeatures, inFeatures }) => [sparseLinearWeightGradWasm(
    ctx, rowsFromTensors(ctx, dp, di, dv, outFeatures), rowsFromTensors(ctx, xp, xi, xv, inFeatures),
  )],
  sparseLinearInputGrad: (ctx, [dp, di, dv, w, xp, xi]) => [sparseLinearInputGradWasm(
    ctx, rowsFromTensors(ctx, dp, di, dv, w.shape[0]), operand(ctx, w), rowsFromTensors(ctx, xp, xi, null, w.shape[1]),
  )],
  sparseConv2d: (ctx, [x, w, rowPtr, indices, values], attrs) => {
    const [, C, H, W] = x.shape;
    return [sparseConv2dWasm(ctx, rowsFromTensors(ctx, rowPtr, indices, values, C * H * W), x.shape, operand(ctx, w), w.shape, attrs)];
  },
  sparseConv2dBackwardFilter: (ctx, [rowPtr, indices, values, dy], attrs) => {
    const [, C, H, W] = attrs.inputShape;
    return [sparseConv2dBackwardFilterWasm(ctx, rowsFromTensors(ctx, rowPtr, indices, values, C * H * W), attrs.inputShape, operand(ctx, dy), attrs.filterShape, attrs)];
  },
  sparseConv2dBackwardInput: (ctx, [dy, w, rowPtr, indices], attrs) => {
    const [, C, H, W] = attrs.inputShape;
    return [sparseConv2dBackwardInputWasm(ctx, operand(ctx, dy), operand(ctx, w), w.shape, rowsFromTensors(ctx, rowPtr, indices, null, C * H * W), attrs.inputShape, attrs)];
  },
};
