import type { KernelAttrs, TensorInfo } from '../../backend.js';
import { alignedStrides, broadcastShapes, sizeOf, type Shape } from '../../shape.js';
import { output, place, type WasmContext } from './context.js';
import { copyOut, planGemm, runGemm } from './gemm-host.js';
import type { Operand } from './storage.js';

export function matmulShape(aShape: Shape, bShape: Shape, { transposeA, transposeB }: KernelAttrs['matmul']): Shape {
  const ra = aShape.length, rb = bShape.length;
  const M = transposeA ? aShape[ra - 1] : aShape[ra - 2];
  const N = transposeB ? bShape[rb - 2] : bShape[rb - 1];
  return [...broadcastShapes('matmul', aShape.slice(0, -2), bShape.slice(0, -2)), M, N];
}

/**
 * Batched float32 matmul on the wasm GEMM (same semantics as the CPU kernel: batch dims
 * broadcast, transposes become the packing strides). Heap operands are read in place; when N is
 * a multiple of the tile width the GEMM writes its C tiles straight into a heap output (given
 * room for the last batch's padding rows), else C is scratch and copied out.
 */
export function matmulWasm(ctx: WasmContext, a: Operand, aShape: Shape, b: Operand, bShape: Shape, attrs: KernelAttrs['matmul']): TensorInfo {
  const { transposeA, transposeB } = attrs;
  const { MR, NR } = ctx.rt.kernels.gemm;
  const ra = aShape.length, rb = bShape.length;
  const M = transposeA ? aShape[ra - 1] : aShape[ra - 2];
  const K = transposeA ? aShape[ra - 2] : aShape[ra - 1];
  const N = transposeB ? bShape[rb - 2] : bShape[rb - 1];
  const outShape = matmulShape(aShape, bShape, attrs);
  const empty = M === 0 || N === 0 || K === 0;
  const direct = !empty && N % NR === 0;
  const padRows = Math.ceil(M / MR) * MR - M;
  const { info, out } = output(ctx, outShape, empty, sizeOf(outShape) + (direct ? padRows * N : 0));
  if (empty) return info; // zeros
  const batchA = aShape.slice(0, -2), batchB = bShape.slice(0, -2);
  const batch = outShape.slice(0, -2);
  const sa = alignedStrides(batchA, batch), sb = alignedStrides(batchB, batch);
  const colsA = aShape[ra - 1], colsB = bShape[rb - 1];

  ctx.arena.reset();
  const aPtr = place(ctx, a), bPtr = place(ctx, b);
  const inPlace = direct && out.addr >= 0;
  const plan = planGemm(ctx, M, N, K, inPlace ? out.addr : -1);
  const idx = new Array<number>(batch.length).fill(0);
  for (let t = 0, nBatch = sizeOf(batch); t < nBatch; t++) {
    let offA = 0, offB = 0;
    for (let d = 0; d < batch.length; d++) {
      offA += idx[d] * sa[d];
      offB += idx[d] * sb[d];
    }
    // Batches run in order, so a batch's padding rows spill into the next batch's C, which that
    // batch then overwrites; the last batch's padding lands in the output's spare capacity.
    if (inPlace) plan.c = out.addr + t * M * N * 4;
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
  return info;
}
