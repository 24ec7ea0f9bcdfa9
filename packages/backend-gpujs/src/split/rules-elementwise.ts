import { sizeOf } from '../kernels/codegen.js';
import type { SplitContext, SplitRule } from './api.js';
import { gridSplit } from './grid.js';
import { joined, ranges, view, type Box, type Paged } from './paged.js';
import { outputShapes } from './shapes.js';

type Elementwise = 'unary' | 'cast' | 'binary' | 'compare' | 'where';

/**
 * Where to cut a flat elementwise launch: at every page boundary of every operand, so each piece
 * reads one buffer per operand and nothing is copied; if that shreds the work into many more
 * pieces than needed (operands paged very differently), even cuts of `capacity` instead.
 */
function flatCuts(inputs: readonly Paged[], n: number, capacity: number): [number, number][] {
  const at = new Set<number>([0, n]);
  for (const t of inputs) {
    let end = 0;
    for (const s of t.segs) at.add((end += s.size));
  }
  const points = [...at].sort((a, b) => a - b);
  const cuts = points.slice(1).map((e, i): [number, number] => [points[i], e]);
  return cuts.length > 4 * Math.ceil(n / capacity) ? ranges(n, capacity) : cuts;
}

/** The box of operand `shape` that output box `box` reads under NumPy broadcasting. */
export function broadcastBox(shape: readonly number[], box: Box): Box {
  const shift = box.lo.length - shape.length;
  return {
    lo: shape.map((d, j) => (d === 1 ? 0 : box.lo[j + shift])),
    hi: shape.map((d, j) => (d === 1 ? 1 : box.hi[j + shift])),
  };
}

/**
 * Elementwise kernels: operands of the output's size are cut flat at page boundaries; broadcast
 * operands are cut along the output grid, each piece reading the matching box of every operand.
 */
export function elementwiseRule<K extends Elementwise>(kernel: K): SplitRule<K> {
  return (ctx: SplitContext, inputs, attrs) => {
    const outs = (outputShapes[kernel] as (s: number[][], a: typeof attrs) => number[][])(inputs.map((t) => t.shape), attrs);
    const n = sizeOf(outs[0]);
    if (inputs.every((t) => sizeOf(t.shape) === n)) {
      const pieces = flatCuts(inputs, n, ctx.capacity).map(([s, e]) => ctx.run(kernel, inputs.map((t) => view(t, s, [e - s])), attrs)[0]);
      return [joined(pieces, outs[0], pieces[0].dtype)];
    }
    return gridSplit(ctx, kernel, inputs, outs, {
      depth: outs[0].length - 1,
      piece: (box) => ({ boxes: inputs.map((t) => broadcastBox(t.shape, box)), attrs }),
    });
  };
}

export const elementwiseRules: { [K in Elementwise]: SplitRule<K> } = {
  unary: elementwiseRule('unary'),
  cast: elementwiseRule('cast'),
  binary: elementwiseRule('binary'),
  compare: elementwiseRule('compare'),
  where: elementwiseRule('where'),
};

/** sgdUpdate: every operand and result has the parameter's size, so cut all of them flat at the same places. */
export const sgdUpdateRule: SplitRule<'sgdUpdate'> = (ctx, inputs, attrs) => {
  const shape = inputs[0].shape, n = sizeOf(shape);
  const pieces = flatCuts(inputs, n, ctx.capacity).map(([s, e]) => ctx.run('sgdUpdate', inputs.map((t) => view(t, s, [e - s])), attrs));
  return pieces[0].map((_, o) => joined(pieces.map((p) => p[o]), shape, inputs[0].dtype));
};
