import fc from 'fast-check';
import { expect } from 'vitest';
import { Generator, type Conv2dAttrs, type DType } from '../src/index.js';
import { cpuKernels } from '../src/internal.js';
import { convOutSize } from '../src/shape.js';
import { winnersFromMask, type SparseRows } from '../src/backends/cpu/sparse-rows.js';
import type { FloatArray } from '../src/backends/cpu/types.js';

/**
 * Shared cases for the sparse-kernel suites (TypeScript reference and wasm): a k-WTA output
 * built with the CPU backend's own `topkMask` and `where` (so winners, ties included, are the
 * dense path's), its winners, and the dense CPU kernels' answers the sparse kernels must match.
 */

export const FC = { seed: 20261129, numRuns: 40 };

/** How a row of test data is filled: ties decide winners by index in all but 'random'. */
export type RowKind = 'random' | 'levels' | 'equal' | 'zero';
export const ROW_KINDS: RowKind[] = ['random', 'random', 'levels', 'equal', 'zero'];

export function rows(gen: Generator, n: number, cols: number, kinds: readonly RowKind[], dtype: DType): FloatArray {
  const out = dtype === 'float64' ? new Float64Array(n * cols) : new Float32Array(n * cols);
  for (let r = 0; r < n; r++) {
    const kind = kinds[r % kinds.length];
    const level = Math.fround(gen.uniform() * 2 - 1);
    for (let i = 0; i < cols; i++) {
      out[r * cols + i] = kind === 'random' ? Math.fround(gen.uniform() * 4 - 2)
        : kind === 'levels' ? gen.int(4) - 1
          : kind === 'equal' ? level : 0;
    }
  }
  return out;
}

/** `rows` in float32, typed as such (the wasm kernels take float32 only). */
export const rows32 = (gen: Generator, n: number, cols: number, kinds: readonly RowKind[]): Float32Array => rows(gen, n, cols, kinds, 'float32') as Float32Array;

const cpu = <T>(values: FloatArray | Uint8Array, shape: number[], dtype: DType) => ({ values, shape, dtype }) as T;

/** The k-WTA of x [N, D] on the CPU backend: its mask, its dense output, its winners. */
export function kwta(x: FloatArray, N: number, D: number, k: number): { mask: Uint8Array; dense: FloatArray; winners: SparseRows } {
  const dtype: DType = x instanceof Float64Array ? 'float64' : 'float32';
  const [mask] = cpuKernels.topkMask([cpu(x, [N, D], dtype)], { k });
  const [dense] = cpuKernels.where([mask, cpu(x, [N, D], dtype), cpu(new (x.constructor as Float32ArrayConstructor)(1), [], dtype)], {});
  return { mask: mask.values as Uint8Array, dense: dense.values as FloatArray, winners: winnersFromMask(x, mask.values as Uint8Array, N, D, k) };
}

export function denseMatmul(a: FloatArray, aShape: number[], b: FloatArray, bShape: number[], transposeA: boolean, transposeB: boolean): FloatArray {
  const dtype: DType = a instanceof Float64Array ? 'float64' : 'float32';
  return cpuKernels.matmul([cpu(a, aShape, dtype), cpu(b, bShape, dtype)], { transposeA, transposeB })[0].values as FloatArray;
}

export interface ConvCase { N: number; C: number; H: number; W: number; F: number; KH: number; KW: number; attrs: Conv2dAttrs }

export function denseConv(c: ConvCase, x: FloatArray, w: FloatArray, dy: FloatArray) {
  const dtype: DType = x instanceof Float64Array ? 'float64' : 'float32';
  const xShape = [c.N, c.C, c.H, c.W], wShape = [c.F, c.C, c.KH, c.KW];
  const [OH, OW] = convOutputSize(c);
  return {
    y: cpuKernels.conv2d([cpu(x, xShape, dtype), cpu(w, wShape, dtype)], c.attrs)[0].values as FloatArray,
    dw: cpuKernels.conv2dBackwardFilter([cpu(x, xShape, dtype), cpu(dy, [c.N, c.F, OH, OW], dtype)], { ...c.attrs, filterShape: wShape })[0].values as FloatArray,
    dx: cpuKernels.conv2dBackwardInput([cpu(dy, [c.N, c.F, OH, OW], dtype), cpu(w, wShape, dtype)], { ...c.attrs, inputShape: xShape })[0].values as FloatArray,
  };
}

export function convOutputSize(c: ConvCase): [number, number] {
  return [
    convOutSize(c.H, c.KH, c.attrs.stride[0], c.attrs.pad[0], c.attrs.dilation[0]),
    convOutSize(c.W, c.KW, c.attrs.stride[1], c.attrs.pad[1], c.attrs.dilation[1]),
  ];
}

/** Random convolution geometry with at least one output pixel: any stride, padding, dilation. */
export const convCase = fc.record({
  N: fc.integer({ min: 1, max: 4 }), C: fc.integer({ min: 1, max: 5 }), F: fc.integer({ min: 1, max: 9 }),
  H: fc.integer({ min: 1, max: 10 }), W: fc.integer({ min: 1, max: 10 }),
  KH: fc.integer({ min: 1, max: 4 }), KW: fc.integer({ min: 1, max: 4 }),
  sh: fc.integer({ min: 1, max: 3 }), sw: fc.integer({ min: 1, max: 3 }),
  p: fc.integer({ min: 0, max: 2 }), d: fc.integer({ min: 1, max: 2 }),
}).filter(({ H, W, KH, KW, p, d }) => H + 2 * p >= d * (KH - 1) + 1 && W + 2 * p >= d * (KW - 1) + 1)
  .map(({ sh, sw, p, d, ...rest }): ConvCase => ({ ...rest, attrs: { stride: [sh, sw], pad: [p, p], dilation: [d, d] } }));

/** k for a k-WTA with ratio gamma over D features, as the paper's layer computes it (at least 1). */
export const kOf = (gamma: number, D: number) => Math.max(1, Math.floor(gamma * D));

/** Values of `dense` at the entries of `s` (the dense gradient restricted to the winners). */
export function atEntries(dense: FloatArray, s: SparseRows): number[] {
  const out: number[] = [];
  for (let r = 0; r < s.rows; r++) for (let e = s.rowPtr[r]; e < s.rowPtr[r + 1]; e++) out.push(dense[r * s.cols + s.indices[e]]);
  return out;
}

/** max |got - want| / max |want| (0 when both are all zeros). */
export function relError(got: ArrayLike<number>, want: ArrayLike<number>): number {
  expect(got.length).toBe(want.length);
  let diff = 0, scale = 0;
  for (let i = 0; i < want.length; i++) {
    diff = Math.max(diff, Math.abs(got[i] - want[i]));
    scale = Math.max(scale, Math.abs(want[i]));
  }
  return diff === 0 ? 0 : diff / scale;
}

/** The bar for float32: relative error <= 1e-5 on values and on every gradient. */
export const F32_TOL = 1e-5;
/** float64 sums differ only in order: the index logic must be exact. */
export const F64_TOL = 1e-12;
