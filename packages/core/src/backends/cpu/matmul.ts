import type { KernelAttrs } from '../../backend.js';
import { makeArray } from '../../dtype.js';
import { alignedStrides, broadcastShapes, sizeOf } from '../../shape.js';
import { gemm } from './gemm.js';
import type { CpuArray, FloatArray } from './types.js';

/** Batched matmul; batch dims broadcast, transposes become strides of the GEMM views. */
export function matmul([a, b]: CpuArray[], { transposeA, transposeB }: KernelAttrs['matmul']): CpuArray[] {
  const ra = a.shape.length, rb = b.shape.length;
  const M = transposeA ? a.shape[ra - 1] : a.shape[ra - 2];
  const K = transposeA ? a.shape[ra - 2] : a.shape[ra - 1];
  const N = transposeB ? b.shape[rb - 2] : b.shape[rb - 1];
  const batchA = a.shape.slice(0, -2), batchB = b.shape.slice(0, -2);
  const batch = broadcastShapes('matmul', batchA, batchB);
  const shape = [...batch, M, N];
  const out = makeArray(a.dtype, sizeOf(shape)) as FloatArray;
  const sa = alignedStrides(batchA, batch), sb = alignedStrides(batchB, batch);
  const nBatch = sizeOf(batch);
  const matA = M * K, matB = K * N;
  const colsA = a.shape[ra - 1], colsB = b.shape[rb - 1];
  const idx = new Array<number>(batch.length).fill(0);
  for (let t = 0; t < nBatch; t++) {
    let offA = 0, offB = 0;
    for (let d = 0; d < batch.length; d++) {
      offA += idx[d] * sa[d];
      offB += idx[d] * sb[d];
    }
    gemm(
      M, N, K,
      { data: a.values, offset: offA * matA, rowStride: transposeA ? 1 : colsA, colStride: transposeA ? colsA : 1 },
      { data: b.values, offset: offB * matB, rowStride: transposeB ? 1 : colsB, colStride: transposeB ? colsB : 1 },
      out, t * M * N, false,
    );
    for (let d = batch.length - 1; d >= 0; d--) {
      if (++idx[d] < batch[d]) break;
      idx[d] = 0;
    }
  }
  return [{ values: out, shape, dtype: a.dtype }];
}
