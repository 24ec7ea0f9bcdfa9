import { BackendError, fmtShape, type KernelAttrs } from '@kwta/core';
import type { DeviceKernelName } from '../kernels/host.js';
import { sizeOf } from '../kernels/codegen.js';
import type { SplitContext } from './api.js';
import { boxShape, joined, type Box, type Paged } from './paged.js';

/** One output box's launch: the box of each input it reads (null: not read) and its attrs. */
export interface Piece<K extends DeviceKernelName> {
  boxes: (Box | null)[];
  attrs: KernelAttrs[K];
}

/**
 * How a kernel's output grid may be cut. A box fixes the output axes before `axis`, takes a
 * range of `axis` and spans the rest, so boxes taken in order are consecutive runs of the output.
 */
export interface GridSpec<K extends DeviceKernelName> {
  /** Deepest output axis that may be cut (-1: none). */
  depth: number;
  /** What computing `box` (cut at `axis`) reads; `{ fill }` for a box that is constant. */
  piece(box: Box, axis: number): Piece<K> | { fill: number };
  /**
   * Compute one index at `depth` that does not fit in one launch: a function, or 'host' to run
   * that piece through the CPU backend's kernel on host copies (for ops that only move values
   * or select, where that is exact). Default: refuse with a BackendError naming the piece.
   */
  unit?: ((box: Box, axis: number) => Paged[]) | 'host';
}

interface Cut {
  box: Box;
  axis: number;
  /** A single index at the deepest cuttable axis that still does not fit. */
  unit: boolean;
}

/** Cut `shape` into boxes that `fits`, as few as possible: the longest fitting range at each step. */
function cuts(shape: readonly number[], depth: number, fits: (box: Box, axis: number) => boolean): Cut[] {
  const rank = shape.length;
  const out: Cut[] = [];
  if (depth < 0 || rank === 0) return [{ box: { lo: shape.map(() => 0), hi: [...shape] }, axis: -1, unit: true }];
  const make = (prefix: readonly number[], a: number, s: number, e: number): Box => ({
    lo: [...prefix, s, ...shape.slice(a + 1).map(() => 0)],
    hi: [...prefix.map((i) => i + 1), e, ...shape.slice(a + 1)],
  });
  const walk = (prefix: number[], a: number): void => {
    for (let s = 0; s < shape[a];) {
      if (!fits(make(prefix, a, s, s + 1), a)) {
        if (a < depth) walk([...prefix, s], a + 1);
        else out.push({ box: make(prefix, a, s, s + 1), axis: a, unit: true });
        s++;
        continue;
      }
      let lo = 1, hi = shape[a] - s;
      while (lo < hi) {
        const mid = Math.ceil((lo + hi) / 2);
        if (fits(make(prefix, a, s, s + mid), a)) lo = mid;
        else hi = mid - 1;
      }
      out.push({ box: make(prefix, a, s, s + lo), axis: a, unit: false });
      s += lo;
    }
  };
  walk([], 0);
  return out;
}

/**
 * Split a launch of `kernel` along its output grid: each box runs as its own (fitting) launch
 * on the regions of the inputs it reads, and the results are the consecutive pages of the output.
 */
export function gridSplit<K extends DeviceKernelName>(ctx: SplitContext, kernel: K, inputs: Paged[], outShapes: number[][], spec: GridSpec<K>): Paged[] {
  const fits = (box: Box, axis: number): boolean => {
    const p = spec.piece(box, axis);
    if ('fill' in p) return sizeOf(boxShape(box)) <= ctx.capacity;
    return ctx.fits(kernel, p.boxes.flatMap((b) => (b ? [boxShape(b)] : [])), p.attrs);
  };
  const pieces = cuts(outShapes[0], spec.depth, fits).map(({ box, axis, unit }): Paged[] => {
    if (unit && typeof spec.unit === 'function') return spec.unit(box, axis);
    if (unit && !spec.unit) throw tooLarge(kernel, inputs, box, ctx.capacity);
    const p = spec.piece(box, axis);
    if ('fill' in p) return [ctx.fill(boxShape(box), inputs[0].dtype, p.fill)];
    const used = p.boxes.flatMap((b, i) => (b ? [{ source: inputs[i], region: ctx.region(inputs[i], b) }] : []));
    try {
      return unit ? ctx.onHost(kernel, used.map((u) => u.region), p.attrs) : ctx.run(kernel, used.map((u) => u.region), p.attrs);
    } finally {
      used.forEach((u) => dropRegion(ctx, u.region, u.source));
    }
  });
  return outShapes.map((shape, o) => joined(pieces.map((p) => p[o]), shape, pieces[0][o].dtype));
}

export function tooLarge(kernel: string, inputs: readonly Paged[], box: Box, capacity: number): BackendError {
  return new BackendError(
    `gpujs backend: ${kernel} on ${inputs.map((t) => fmtShape(t.shape)).join(', ')} cannot be cut to fit this device: ` +
      `the smallest piece it can run as one launch (output box ${fmtShape(boxShape(box))}) needs more than ${capacity} ` +
      'elements in one texture (MAX_TEXTURE_SIZE^2 or 2^24, whichever is smaller); use a CPU backend for this op',
  );
}

/** Release a region if it was copied out of `source` (a view shares its buffers and stays). */
export function dropRegion(ctx: SplitContext, region: Paged, source: Paged): void {
  if (!region.segs.some((s) => source.segs.some((q) => q.buf === s.buf))) ctx.release(region);
}

/** `box` of the output, widened to the whole of every axis after `axis` (in `shape`'s own extents). */
export function leading(shape: readonly number[], box: Box, axis: number): Box {
  return {
    lo: shape.map((_, d) => (d <= axis ? box.lo[d] : 0)),
    hi: shape.map((n, d) => (d <= axis ? box.hi[d] : n)),
  };
}
