import { Generator, randn } from '@kwta/core';

/** Standard-normal float32 data from a seeded generator: the same numbers feed every contender. */
export function normalData(shape: number[], gen: Generator): Float32Array {
  const t = randn(shape, gen);
  const values = Float32Array.from(t.dataSync());
  t.dispose();
  return values;
}

/**
 * Copy of `data` (row-major, `shape`) with its axes permuted: out axis d is input axis perm[d].
 * Converts between tfjs's NHWC / [KH, KW, C, F] layouts and the canonical NCHW / [F, C, KH, KW].
 */
export function permute(data: ArrayLike<number>, shape: readonly number[], perm: readonly number[]): Float32Array {
  const rank = shape.length;
  const outShape = perm.map((p) => shape[p]);
  const inStrides = new Array<number>(rank);
  for (let d = rank - 1, s = 1; d >= 0; d--) {
    inStrides[d] = s;
    s *= shape[d];
  }
  const stridesByOutAxis = perm.map((p) => inStrides[p]);
  const out = new Float32Array(data.length);
  const idx = new Array<number>(rank).fill(0);
  let src = 0;
  for (let i = 0; i < out.length; i++) {
    out[i] = data[src];
    for (let d = rank - 1; d >= 0; d--) {
      idx[d]++;
      src += stridesByOutAxis[d];
      if (idx[d] < outShape[d]) break;
      src -= idx[d] * stridesByOutAxis[d];
      idx[d] = 0;
    }
  }
  return out;
}

/** NCHW <-> NHWC and [F, C, KH, KW] <-> [KH, KW, C, F]. */
export const NCHW_TO_NHWC = [0, 2, 3, 1];
export const NHWC_TO_NCHW = [0, 3, 1, 2];
export const FCHW_TO_HWCF = [2, 3, 1, 0];
export const HWCF_TO_FCHW = [3, 2, 0, 1];
