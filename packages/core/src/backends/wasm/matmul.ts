import type { KernelAttrs } from '../../backend.js';
import { alignedStrides, broadcastShapes, sizeOf, type Shape } from '../../shape.js';
import { copyOut, planGemm, runGemm, type WasmContext } from './gemm-host.js';

export function matmulShape(aShape: Shape, bShape: Shape, { transposeA, transposeB }: KernelAttrs['matmul']): Shape {
  const ra = aShape.length, rb = bShape.length;
  const M = transposeA ? aShape[ra - 1] : aShape[ra - 2];
  const N = transposeB ? bShape[rb - 2] : bShape[rb - 1];
  return [...broadcastShapes('matmul', aShape.slice(0, -2), bShape.slice(0, -2)), M, N];
}

/**
 * Batched float32 matmul on the wasm GEMM (same semantics as the CPU kernel: batch dims
 * broadcast, transposes become the packing strides). Writes into `out` (zero-filled, row-major).
 */
export function matmulWasm(
  ctx: WasmContext, a: Float32Array, aShape: Shape, b: Float32Array, bShape: Shape,
  { transposeA, transposeB }: KernelAttrs['matmul'], out: Float32Array,
): void {
  const ra = aShape.length, rb = bShape.length;
  const M = transposeA ? aShape[ra - 1] : aShape[ra - 2];
  const K = transposeA ? aShape[ra - 2] : aShape[ra - 1];
  const N = transposeB ? bShape[rb - 2] : bShape[rb - 1];
  if (M === 0 || N === 0 || K === 0) return; // out is already zeros
  const batchA = aShape.slice(0, -2), batchB = bShape.slice(0, -2);
  const batch = broadcastShapes('matmul', batchA, batchB);
  const sa = alignedStrides(batchA, batch), sb = alignedStrides(batchB, batch);
  const colsA = aShape[ra - 1], colsB = bShape[rb - 1];

  ctx.arena.reset();
  const aPtr = ctx.arena.put(a), bPtr = ctx.arena.put(b);
  const plan = planGemm(ctx, M, N, K);
  const idx = new Array<number>(batch.length).fill(0);
  for (let t = 0, nBatch = sizeOf(batch); t < nBatch; t++) {
    let offA = 0, offB = 0;
    for (let d = 0; d < batch.length; d++) {
      offA += idx[d] * sa[d];
      offB += idx[d] * sb[d];
    }
    runGemm(
      ctx, plan,
      { ptr: aPtr + offA * M * K * 4, rs: transposeA ? 1 : colsA, cs: transposeA ? colsA : 1 },
      { ptr: bPtr + offB * K * N * 4, rs: transposeB ? 1 : colsB, cs: transposeB ? colsB : 1 },
    );
    copyOut(ctx, plan.c, plan.ldc, M, N, out, t * M * N);
    for (let d = batch.length - 1; d >= 0; d--) {
      if (++idx[d] < batch[d]) break;
      idx[d] = 0;
    }
  }
}
