import type { KernelAttrs } from '../../backend.js';
import { makeArray } from '../../dtype.js';
import { sizeOf } from '../../shape.js';
import { permute } from './layout.js';
import type { CpuArray } from './types.js';

/**
 * Reductions run over contiguous trailing runs; any other axis set is first permuted so the
 * reduced axes come last (one copy, then a cache-friendly loop). Sums accumulate in float64.
 */
export function reduce([x]: CpuArray[], { op, axes }: KernelAttrs['reduce']): CpuArray[] {
  const { values, keptShape, inner } = moveAxesLast(x, axes);
  const outer = sizeOf(keptShape);
  const out = makeArray(x.dtype, outer);
  for (let o = 0; o < outer; o++) {
    const base = o * inner;
    if (op === 'sum') {
      let s = 0;
      for (let j = 0; j < inner; j++) s += values[base + j];
      out[o] = s;
    } else if (op === 'max') {
      let m = -Infinity;
      for (let j = 0; j < inner; j++) {
        const v = values[base + j];
        if (v > m || Number.isNaN(v)) m = v;
        if (Number.isNaN(m)) break;
      }
      out[o] = m;
    } else {
      let m = Infinity;
      for (let j = 0; j < inner; j++) {
        const v = values[base + j];
        if (v < m || Number.isNaN(v)) m = v;
        if (Number.isNaN(m)) break;
      }
      out[o] = m;
    }
  }
  return [{ values: out, shape: keptShape, dtype: x.dtype }];
}

export function argReduce([x]: CpuArray[], { op, axis }: KernelAttrs['argReduce']): CpuArray[] {
  const { values, keptShape, inner } = moveAxesLast(x, [axis]);
  const outer = sizeOf(keptShape);
  const out = makeArray('int32', outer) as Int32Array;
  const better = op === 'argmax' ? (a: number, b: number) => a > b : (a: number, b: number) => a < b;
  for (let o = 0; o < outer; o++) {
    const base = o * inner;
    let best = 0;
    let bv = values[base];
    for (let j = 1; j < inner; j++) {
      const v = values[base + j];
      if (better(v, bv)) {
        bv = v;
        best = j;
      }
    }
    out[o] = best;
  }
  return [{ values: out, shape: keptShape, dtype: 'int32' }];
}

function moveAxesLast(x: CpuArray, axes: readonly number[]) {
  const rank = x.shape.length;
  const kept = [...Array(rank).keys()].filter((d) => !axes.includes(d));
  const keptShape = kept.map((d) => x.shape[d]);
  const inner = sizeOf(axes.map((d) => x.shape[d]));
  const alreadyLast = axes.every((d, i) => d === rank - axes.length + i);
  const values = alreadyLast ? x.values : permute(x.values, x.shape, [...kept, ...axes]);
  return { values, keptShape, inner };
}
