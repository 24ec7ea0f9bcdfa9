import type { ReduceOp } from '@kwta/core';
import { sizeOf } from '../kernels/codegen.js';
import type { SplitRule } from './api.js';
import { gridSplit, leading } from './grid.js';
import { joined, ranges, view, type Paged } from './paged.js';

const FOLD: Record<ReduceOp, 'add' | 'maximum' | 'minimum'> = { sum: 'add', max: 'maximum', min: 'minimum' };

/** `shape` with axis `a` set to `n`. */
export const withAxis = (shape: readonly number[], a: number, n: number): number[] => shape.map((d, i) => (i === a ? n : d));

/**
 * Cut `x` along its first axis longer than 1 (every axis before it has one index, so each run of
 * that axis is contiguous) into pieces of at most `capacity` elements where possible.
 */
export function leadingPieces(x: Paged, capacity: number): { axis: number; pieces: Paged[] } {
  const axis = x.shape.findIndex((d) => d > 1);
  const inner = sizeOf(x.shape.slice(axis + 1));
  const len = Math.max(1, Math.floor(capacity / inner));
  const pieces = ranges(x.shape[axis], len).map(([s, e]) => view(x, s * inner, withAxis(x.shape, axis, e - s)));
  return { axis, pieces };
}

/**
 * A reduction cut along the input's first long axis: a reduced axis gives partial results
 * folded by the matching elementwise op (add / maximum / minimum, NaN propagating as on the CPU);
 * a kept axis gives consecutive runs of the output.
 */
export const reduceRule: SplitRule<'reduce'> = (ctx, [x], attrs) => {
  const { axis, pieces } = leadingPieces(x, ctx.capacity);
  const parts = pieces.map((p) => ctx.run('reduce', [p], attrs)[0]);
  if (attrs.axes.includes(axis)) return [ctx.combine(FOLD[attrs.op], parts)];
  return [joined(parts, x.shape.filter((_, d) => !attrs.axes.includes(d)), parts[0].dtype)];
};

/**
 * argmax/argmin: cut along the output axes before the reduced one (each piece reads whole
 * lines). A line that must itself be cut is not split (the first-index tie rule would need the
 * values too): if even one output index does not fit, the reduced axis is moved last by a
 * (split) transpose and the lines are cut from there; a single line longer than a texture is
 * searched by the CPU backend's kernel on a host copy (exact: it only compares).
 */
export const argReduceRule: SplitRule<'argReduce'> = (ctx, [x], attrs) => {
  const last = x.shape.length - 1;
  const out = x.shape.filter((_, d) => d !== attrs.axis);
  return gridSplit(ctx, 'argReduce', [x], [out], {
    depth: attrs.axis === last ? last - 1 : attrs.axis - 1,
    piece: (box, axis) => ({ boxes: [leading(x.shape, { lo: [...box.lo, 0], hi: [...box.hi, 0] }, axis)], attrs }),
    unit: attrs.axis === last ? 'host' : (box, axis) => {
      const region = ctx.region(x, leading(x.shape, { lo: [...box.lo, 0], hi: [...box.hi, 0] }, axis));
      const perm = [...Array(x.shape.length).keys()].filter((d) => d !== attrs.axis).concat(attrs.axis);
      const moved = ctx.run('transpose', [region], { perm })[0];
      try {
        return ctx.run('argReduce', [moved], { ...attrs, axis: last });
      } finally {
        ctx.release(moved);
      }
    },
  });
};
