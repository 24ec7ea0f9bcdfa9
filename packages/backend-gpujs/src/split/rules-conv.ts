import { BackendError, fmtShape, type KernelAttrs } from '@kwta/core';
import type { SplitContext, SplitRule } from './api.js';
import { dropRegion, gridSplit, leading } from './grid.js';
import { boxShape, joined, ranges, type Box, type Paged } from './paged.js';
import { outputShapes } from './shapes.js';

/** Rows [r0, r1) of the leading axis, every other axis whole. */
export const rows = (shape: readonly number[], r0: number, r1: number): Box => ({ lo: shape.map((_, d) => (d === 0 ? r0 : 0)), hi: shape.map((n, d) => (d === 0 ? r1 : n)) });

/** Channels [c0, c1) of sample / filter `i` of an [N, C, ...] tensor (contiguous). */
const channels = (shape: readonly number[], i: number, c0: number, c1: number): Box => ({
  lo: shape.map((_, d) => (d === 0 ? i : d === 1 ? c0 : 0)),
  hi: shape.map((n, d) => (d === 0 ? i + 1 : d === 1 ? c1 : n)),
});

/** The smallest pieces a convolution is cut into work on whole planes: refuse planes larger than a texture. */
function checkPlanes(ctx: SplitContext, kernel: string, planes: Record<string, number[]>): void {
  for (const [what, [h, w]] of Object.entries(planes)) {
    if (h * w > ctx.capacity) {
      throw new BackendError(`gpujs backend: ${kernel}: one ${what} plane ${fmtShape([h, w])} is larger than a texture on this device (${ctx.capacity} elements); use a CPU backend for this layer`);
    }
  }
}

const fit = (cap: number, per: number, most: number) => Math.max(1, Math.min(most, Math.floor(cap / per)));

/**
 * conv2d: cut over samples, then over filters (both give consecutive output runs); one
 * (sample, filter) that still does not fit is summed over channel ranges.
 */
export const conv2dRule: SplitRule<'conv2d'> = (ctx, [x, w], attrs) => {
  const out = outputShapes.conv2d([x.shape, w.shape], attrs)[0];
  const [, C, H, W] = x.shape, [, , KH, KW] = w.shape;
  return gridSplit(ctx, 'conv2d', [x, w], [out], {
    depth: 1,
    piece: (box) => ({ boxes: [rows(x.shape, box.lo[0], box.hi[0]), rows(w.shape, box.lo[1], box.hi[1])], attrs }),
    unit: (box) => {
      checkPlanes(ctx, 'conv2d', { input: [H, W], filter: [KH, KW], output: [out[2], out[3]] });
      const [n, fi] = box.lo;
      const parts = ranges(C, fit(ctx.capacity, Math.max(H * W, KH * KW), C)).map(([c0, c1]) =>
        ctx.run('conv2d', [ctx.region(x, channels(x.shape, n, c0, c1)), ctx.region(w, channels(w.shape, fi, c0, c1))], attrs)[0]);
      return [ctx.combine('add', parts)];
    },
  });
};

/**
 * dx: cut over samples; one sample that does not fit is cut over input channels (consecutive
 * runs of dx) and summed over filter ranges.
 */
export const conv2dBackwardInputRule: SplitRule<'conv2dBackwardInput'> = (ctx, [dy, w], attrs) => {
  const [, C, H, W] = attrs.inputShape, [F, , KH, KW] = w.shape, [, , OH, OW] = dy.shape;
  return gridSplit(ctx, 'conv2dBackwardInput', [dy, w], [[...attrs.inputShape]], {
    depth: 0,
    piece: (box) => ({ boxes: [rows(dy.shape, box.lo[0], box.hi[0]), rows(w.shape, 0, F)], attrs: { ...attrs, inputShape: boxShape(box) } }),
    unit: (box) => {
      checkPlanes(ctx, 'conv2dBackwardInput', { input: [H, W], filter: [KH, KW], output: [OH, OW] });
      const n = box.lo[0];
      const runs = ranges(C, fit(ctx.capacity, Math.max(H * W, KH * KW), C)).map(([c0, c1]) => {
        const parts = ranges(F, fit(ctx.capacity, Math.max(OH * OW, (c1 - c0) * KH * KW), F)).map(([f0, f1]) => {
          const wr = ctx.region(w, { lo: [f0, c0, 0, 0], hi: [f1, c1, KH, KW] });
          try {
            return ctx.run('conv2dBackwardInput', [ctx.region(dy, channels(dy.shape, n, f0, f1)), wr], { ...attrs, inputShape: [1, c1 - c0, H, W] })[0];
          } finally {
            dropRegion(ctx, wr, w);
          }
        });
        return ctx.combine('add', parts);
      });
      return [joined(runs, [1, C, H, W], dy.dtype)];
    },
  });
};

/**
 * dw sums over samples: cut the batch into runs whose partial sums fit (the kernel keeps one
 * partial dw per sample), and add them. When even one sample does not fit, its dw is built
 * from (filter range x channel range) pieces.
 */
export const conv2dBackwardFilterRule: SplitRule<'conv2dBackwardFilter'> = (ctx, [x, dy], attrs) => {
  const [F, C, KH, KW] = attrs.filterShape, [N, , H, W] = x.shape, [, , OH, OW] = dy.shape;
  const perSample = Math.max(C * H * W, F * OH * OW, F * C * KH * KW);
  const samples = Math.floor(ctx.capacity / perSample);
  if (samples >= 1) {
    return [ctx.combine('add', ranges(N, samples).map(([n0, n1]) => ctx.run('conv2dBackwardFilter', [ctx.region(x, rows(x.shape, n0, n1)), ctx.region(dy, rows(dy.shape, n0, n1))], attrs)[0]))];
  }
  checkPlanes(ctx, 'conv2dBackwardFilter', { input: [H, W], filter: [KH, KW], output: [OH, OW] });
  const cLen = fit(ctx.capacity, Math.max(H * W, KH * KW), C);
  const fLen = fit(ctx.capacity, Math.max(OH * OW, cLen * KH * KW), F);
  const sample = (n: number): Paged => {
    const fRuns = ranges(F, fLen).map(([f0, f1]) => {
      const pieces = ranges(C, cLen).map(([c0, c1]) => ctx.run('conv2dBackwardFilter',
        [ctx.region(x, channels(x.shape, n, c0, c1)), ctx.region(dy, channels(dy.shape, n, f0, f1))],
        { ...attrs, filterShape: [f1 - f0, c1 - c0, KH, KW] })[0]);
      if (pieces.length === 1) return pieces[0];
      const row = ctx.run('concat', pieces, { axis: 1 })[0];
      pieces.forEach((p) => ctx.release(p));
      return row;
    });
    return joined(fRuns, [F, C, KH, KW], x.dtype);
  };
  return [ctx.combine('add', Array.from({ length: N }, (_, n) => sample(n)))];
};

/** Pools and their adjoints: cut over (sample, channel) planes; a plane must fit one texture. */
export function planeRule<K extends 'maxPool2d' | 'avgPool2d' | 'maxPool2dBackward' | 'avgPool2dBackward'>(kernel: K): SplitRule<K> {
  return (ctx, inputs, attrs) => {
    const outs = (outputShapes[kernel] as (s: number[][], a: KernelAttrs[K]) => number[][])(inputs.map((t) => t.shape), attrs);
    const backward = 'inputShape' in attrs;
    return gridSplit(ctx, kernel, inputs, outs, {
      depth: 1,
      piece: (box, axis) => ({
        boxes: inputs.map((t) => leading(t.shape, box, Math.min(axis, 1))),
        attrs: (backward ? { ...attrs, inputShape: boxShape(box) } : attrs) as KernelAttrs[K],
      }),
    });
  };
}
