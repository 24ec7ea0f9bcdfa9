import type { KernelAttrs, KernelName, TensorInfo } from '../../backend.js';
import { sizeOf } from '../../shape.js';
import type { WasmContext } from './context.js';
import { sparseConv2dBackwardFilterWasm, sparseConv2dBackwardInputWasm, sparseConv2dWasm } from './sparse-conv.js';
import { sparseLinearInputGradWasm, sparseLinearWasm, sparseLinearWeightGradWasm } from './sparse-linear.js';
import { extractWinnersWasm, rowsFromTensors } from './sparse-rows.js';

/**
 * A fast kernel of the wasm backend: its outputs, or null to run the TypeScript kernel.
 * `donated`: inputs it may overwrite with an output (Backend.run).
 */
export type FastKernel<K extends KernelName> = (ctx: WasmContext, inputs: readonly TensorInfo[], attrs: KernelAttrs[K], donated: readonly number[]) => TensorInfo[] | null;

const operand = (ctx: WasmContext, t: TensorInfo) => ctx.store.operand(t.dataId);

/**
 * The sparse kernels of backend.ts on the wasm SIMD kernels (sparse-rows.ts, sparse-linear.ts,
 * sparse-conv.ts), float32 only. The rows the `winners` kernel made stay in the heap and are
 * read in place; rows from elsewhere are checked and copied in.
 */
export const SPARSE_FAST: { [K in KernelName]?: FastKernel<K> } = {
  winners: (ctx, [x, mask], { k }) => {
    const cols = x.shape[x.shape.length - 1] ?? 0, rows = cols === 0 ? 0 : sizeOf(x.shape) / cols;
    const s = extractWinnersWasm(ctx, operand(ctx, x), ctx.store.mask(mask.dataId), rows, cols, k);
    // Built on the host (no heap room): the TypeScript kernel's outputs are host arrays too.
    if (!s.data) return null;
    const n = rows * k;
    return [
      { dataId: s.data[0], shape: [rows + 1], dtype: 'int32' },
      { dataId: s.data[1], shape: [n], dtype: 'int32' },
      { dataId: s.data[2], shape: [n], dtype: 'float32' },
    ];
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
