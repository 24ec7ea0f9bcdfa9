import type { SplitRule } from './api.js';
import { gridSplit, leading } from './grid.js';
import { joined, type Box } from './paged.js';
import { leadingPieces } from './rules-reduce.js';
import { outputShapes } from './shapes.js';

/**
 * transpose: cut the input along its first long axis into pieces that fit, transpose each,
 * and join them along the output axis that input axis became (a concat, itself split as needed,
 * unless that axis leads the output, when the pieces are consecutive runs already).
 */
export const transposeRule: SplitRule<'transpose'> = (ctx, [x], { perm }) => {
  const { axis, pieces } = leadingPieces(x, ctx.capacity);
  const parts = pieces.map((p) => ctx.run('transpose', [p], { perm })[0]);
  const out = perm.map((p) => x.shape[p]);
  const at = perm.indexOf(axis);
  if (out.slice(0, at).every((d) => d === 1)) return [joined(parts, out, x.dtype)];
  const result = ctx.run('concat', parts, { axis: at });
  parts.forEach((p) => ctx.release(p));
  return result;
};

/**
 * slice: each output box reads the input rows it starts in, whole after the cut axis (one
 * contiguous run), and slices the rest there.
 */
export const sliceRule: SplitRule<'slice'> = (ctx, [x], { begin, size }) =>
  gridSplit(ctx, 'slice', [x], [[...size]], {
    depth: size.length - 1,
    piece: (box, axis) => ({
      boxes: [leading(x.shape, { lo: box.lo.map((l, d) => l + begin[d]), hi: box.hi.map((h, d) => h + begin[d]) }, axis)],
      attrs: { begin: begin.map((b, d) => (d <= axis ? 0 : b)), size: box.hi.map((h, d) => h - box.lo[d]) },
    }),
  });

/**
 * pad: each output box reads the input rows under it (padding of the cut axis adjusted); a box
 * that lies wholly in the padding is a constant fill.
 */
export const padRule: SplitRule<'pad'> = (ctx, [x], { paddings, value }) => {
  const out = outputShapes.pad([x.shape], { paddings, value })[0];
  return gridSplit(ctx, 'pad', [x], [out], {
    depth: out.length - 1,
    piece: (box, axis) => {
      const lo: number[] = [], hi: number[] = [];
      const pads: [number, number][] = [];
      for (let d = 0; d < out.length; d++) {
        const [before, after] = paddings[d];
        if (d > axis) {
          lo.push(0); hi.push(x.shape[d]); pads.push([before, after]);
          continue;
        }
        const s = Math.max(0, box.lo[d] - before), e = Math.min(x.shape[d], box.hi[d] - before);
        if (s >= e) return { fill: value };
        const padBefore = s + before - box.lo[d];
        lo.push(s); hi.push(e); pads.push([padBefore, box.hi[d] - box.lo[d] - padBefore - (e - s)]);
      }
      return { boxes: [{ lo, hi }], attrs: { paddings: pads, value } };
    },
  });
};

/**
 * concat: an output box cut before the joined axis reads the same rows of every input; cut at
 * it, the inputs it overlaps; cut after it, rows of the one input it lies in.
 */
export const concatRule: SplitRule<'concat'> = (ctx, xs, { axis: c }) => {
  const out = outputShapes.concat(xs.map((x) => x.shape), { axis: c })[0];
  const offsets = xs.map((_, k) => xs.slice(0, k).reduce((acc, x) => acc + x.shape[c], 0));
  const inputBox = (k: number, box: Box, axis: number): Box | null => {
    const s = Math.max(box.lo[c], offsets[k]) - offsets[k], e = Math.min(box.hi[c], offsets[k] + xs[k].shape[c]) - offsets[k];
    if (s >= e) return null;
    const b = leading(xs[k].shape, box, axis);
    b.lo[c] = axis < c ? 0 : s;
    b.hi[c] = axis < c ? xs[k].shape[c] : e;
    return b;
  };
  return gridSplit(ctx, 'concat', xs, [out], {
    depth: out.length - 1,
    piece: (box, axis) => ({ boxes: xs.map((_, k) => inputBox(k, box, axis)), attrs: { axis: c } }),
  });
};

/**
 * The index ops only move values, so a piece too large for one launch (a row or slab of x
 * longer than a texture) is done exactly by the CPU backend's kernel on host copies.
 */

/** gather: cut before the gathered axis (rows of x) or at it (ranges of the indices, whole slabs of x). */
export const gatherRule: SplitRule<'gather'> = (ctx, [x, idx], { axis: g }) => {
  const out = outputShapes.gather([x.shape, idx.shape], { axis: g })[0];
  return gridSplit(ctx, 'gather', [x, idx], [out], {
    depth: g,
    piece: (box, axis) => ({
      boxes: [leading(x.shape, box, Math.min(axis, g - 1)), axis === g ? { lo: [box.lo[g]], hi: [box.hi[g]] } : { lo: [0], hi: [...idx.shape] }],
      attrs: { axis: g },
    }),
    unit: 'host',
  });
};

/** scatterAdd: cut before the scattered axis only (each piece needs every index). */
export const scatterAddRule: SplitRule<'scatterAdd'> = (ctx, [dy, idx], attrs) => {
  const out = outputShapes.scatterAdd([dy.shape, idx.shape], attrs)[0];
  return gridSplit(ctx, 'scatterAdd', [dy, idx], [out], {
    depth: attrs.axis - 1,
    piece: (box, axis) => ({ boxes: [leading(dy.shape, box, axis), { lo: [0], hi: [...idx.shape] }], attrs }),
    unit: 'host',
  });
};

/** takeAlong: cut over rows, then over the picks of one row (which reads the whole row of x). */
export const takeAlongRule: SplitRule<'takeAlong'> = (ctx, [x, idx], attrs) => {
  const last = idx.shape.length - 1;
  return gridSplit(ctx, 'takeAlong', [x, idx], [[...idx.shape]], {
    depth: last,
    piece: (box, axis) => ({ boxes: [leading(x.shape, box, Math.min(axis, last - 1)), box], attrs }),
    unit: 'host',
  });
};

/** scatterAlong: cut over rows (each output row needs its whole row of indices). */
export const scatterAlongRule: SplitRule<'scatterAlong'> = (ctx, [dy, idx], attrs) => {
  const out = [...dy.shape.slice(0, -1), attrs.size];
  return gridSplit(ctx, 'scatterAlong', [dy, idx], [out], {
    depth: out.length - 2,
    piece: (box, axis) => ({ boxes: [leading(dy.shape, box, axis), leading(idx.shape, box, axis)], attrs }),
    unit: 'host',
  });
};
