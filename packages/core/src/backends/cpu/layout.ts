import type { KernelAttrs } from '../../backend.js';
import { makeArray, type TypedArray } from '../../dtype.js';
import { ValueError } from '../../errors.js';
import { sizeOf, stridesOf, type Shape } from '../../shape.js';
import type { CpuArray } from './types.js';

export function transpose([x]: CpuArray[], { perm }: KernelAttrs['transpose']): CpuArray[] {
  const shape = perm.map((p) => x.shape[p]);
  return [{ values: permute(x.values, x.shape, perm), shape, dtype: x.dtype }];
}

/** Copy `values` (row-major, `shape`) into the order given by `perm`. */
export function permute(values: TypedArray, shape: Shape, perm: readonly number[]): TypedArray {
  const rank = shape.length;
  const n = values.length;
  const out = makeArray(dtypeOf(values), n);
  const outShape = perm.map((p) => shape[p]);
  const inStrides = stridesOf(shape);
  const src = perm.map((p) => inStrides[p]); // input stride for each output axis
  if (rank === 2 && perm[0] === 1) {
    // Plain matrix transpose, blocked for cache friendliness.
    const [R, C] = shape;
    const B = 32;
    for (let r0 = 0; r0 < R; r0 += B) {
      for (let c0 = 0; c0 < C; c0 += B) {
        const r1 = Math.min(R, r0 + B), c1 = Math.min(C, c0 + B);
        for (let r = r0; r < r1; r++) for (let c = c0; c < c1; c++) out[c * R + r] = values[r * C + c];
      }
    }
    return out;
  }
  if (n === 0) return out;
  const idx = new Array<number>(rank).fill(0);
  const inner = outShape[rank - 1] ?? 1;
  const innerStride = src[rank - 1] ?? 0;
  let off = 0;
  for (let o = 0; o < n; ) {
    for (let j = 0, p = off; j < inner; j++, p += innerStride) out[o++] = values[p];
    for (let d = rank - 2; d >= 0; d--) {
      idx[d]++;
      off += src[d];
      if (idx[d] < outShape[d]) break;
      off -= src[d] * outShape[d];
      idx[d] = 0;
    }
    if (rank <= 1) break;
  }
  return out;
}

function dtypeOf(a: TypedArray) {
  return a instanceof Float32Array ? 'float32' : a instanceof Float64Array ? 'float64' : a instanceof Int32Array ? 'int32' : 'bool';
}

export function slice([x]: CpuArray[], { begin, size }: KernelAttrs['slice']): CpuArray[] {
  const out = makeArray(x.dtype, sizeOf(size));
  copyBlock(x.values, x.shape, begin, out, size, new Array(size.length).fill(0), size);
  return [{ values: out, shape: size, dtype: x.dtype }];
}

export function pad([x]: CpuArray[], { paddings, value }: KernelAttrs['pad']): CpuArray[] {
  const shape = x.shape.map((d, i) => d + paddings[i][0] + paddings[i][1]);
  const out = makeArray(x.dtype, sizeOf(shape));
  if (value !== 0) out.fill(value);
  copyBlock(x.values, x.shape, new Array(x.shape.length).fill(0), out, shape, paddings.map((p) => p[0]), x.shape);
  return [{ values: out, shape, dtype: x.dtype }];
}

/** Copy a `block`-shaped box from src (starting at srcStart) into dst (starting at dstStart). */
function copyBlock(
  src: TypedArray, srcShape: Shape, srcStart: readonly number[],
  dst: TypedArray, dstShape: Shape, dstStart: readonly number[], block: Shape,
): void {
  const rank = block.length;
  if (sizeOf(block) === 0) return;
  if (rank === 0) {
    dst[0] = src[0];
    return;
  }
  const ss = stridesOf(srcShape), ds = stridesOf(dstShape);
  let so = 0, doff = 0;
  for (let d = 0; d < rank; d++) {
    so += srcStart[d] * ss[d];
    doff += dstStart[d] * ds[d];
  }
  const inner = block[rank - 1];
  const idx = new Array<number>(rank).fill(0);
  const outer = sizeOf(block) / inner;
  for (let r = 0; r < outer; r++) {
    dst.set(src.subarray(so, so + inner), doff);
    for (let d = rank - 2; d >= 0; d--) {
      idx[d]++;
      so += ss[d];
      doff += ds[d];
      if (idx[d] < block[d]) break;
      so -= ss[d] * block[d];
      doff -= ds[d] * block[d];
      idx[d] = 0;
    }
  }
}

export function concat(xs: CpuArray[], { axis }: KernelAttrs['concat']): CpuArray[] {
  const first = xs[0];
  const shape = [...first.shape];
  shape[axis] = xs.reduce((s, x) => s + x.shape[axis], 0);
  const out = makeArray(first.dtype, sizeOf(shape));
  const outer = sizeOf(first.shape.slice(0, axis));
  const rowOut = sizeOf(shape.slice(axis));
  let col = 0;
  for (const x of xs) {
    const row = sizeOf(x.shape.slice(axis));
    for (let o = 0; o < outer; o++) out.set(x.values.subarray(o * row, (o + 1) * row), o * rowOut + col);
    col += row;
  }
  return [{ values: out, shape, dtype: first.dtype }];
}

export function gather([x, indices]: CpuArray[], { axis }: KernelAttrs['gather']): CpuArray[] {
  const dim = x.shape[axis];
  const m = indices.values.length;
  const shape = [...x.shape];
  shape[axis] = m;
  const outer = sizeOf(x.shape.slice(0, axis));
  const inner = sizeOf(x.shape.slice(axis + 1));
  const out = makeArray(x.dtype, sizeOf(shape));
  for (let j = 0; j < m; j++) {
    const k = indices.values[j];
    if (!(k >= 0 && k < dim)) throw new ValueError(`gather: index ${k} at position ${j} is out of range [0, ${dim}) on axis ${axis}`);
  }
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < m; j++) {
      const s = (o * dim + indices.values[j]) * inner;
      out.set(x.values.subarray(s, s + inner), (o * m + j) * inner);
    }
  }
  return [{ values: out, shape, dtype: x.dtype }];
}

export function scatterAdd([dy, indices]: CpuArray[], { axis, size }: KernelAttrs['scatterAdd']): CpuArray[] {
  const m = indices.values.length;
  const shape = [...dy.shape];
  shape[axis] = size;
  const outer = sizeOf(dy.shape.slice(0, axis));
  const inner = sizeOf(dy.shape.slice(axis + 1));
  const out = makeArray(dy.dtype, sizeOf(shape));
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < m; j++) {
      const k = indices.values[j];
      if (!(k >= 0 && k < size)) throw new ValueError(`scatterAdd: index ${k} at position ${j} is out of range [0, ${size})`);
      const d = (o * size + k) * inner, s = (o * m + j) * inner;
      for (let t = 0; t < inner; t++) out[d + t] += dy.values[s + t];
    }
  }
  return [{ values: out, shape, dtype: dy.dtype }];
}

export function takeAlong([x, indices]: CpuArray[]): CpuArray[] {
  const n = x.shape[x.shape.length - 1];
  const m = indices.shape[indices.shape.length - 1];
  const rows = sizeOf(indices.shape.slice(0, -1));
  const out = makeArray(x.dtype, rows * m);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < m; j++) {
      const k = indices.values[r * m + j];
      if (!(k >= 0 && k < n)) throw new ValueError(`takeAlong: index ${k} in row ${r} is out of range [0, ${n})`);
      out[r * m + j] = x.values[r * n + k];
    }
  }
  return [{ values: out, shape: indices.shape, dtype: x.dtype }];
}

export function scatterAlong([dy, indices]: CpuArray[], { size }: KernelAttrs['scatterAlong']): CpuArray[] {
  const m = indices.shape[indices.shape.length - 1];
  const rows = sizeOf(indices.shape.slice(0, -1));
  const out = makeArray(dy.dtype, rows * size);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < m; j++) {
      const k = indices.values[r * m + j];
      if (!(k >= 0 && k < size)) throw new ValueError(`scatterAlong: index ${k} in row ${r} is out of range [0, ${size})`);
      out[r * size + k] += dy.values[r * m + j];
    }
  }
  return [{ values: out, shape: [...indices.shape.slice(0, -1), size], dtype: dy.dtype }];
}
