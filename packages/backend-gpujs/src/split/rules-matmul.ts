import type { KernelAttrs } from '@kwta/core';
import { broadcastShape } from '../kernels/elementwise.js';
import { sizeOf } from '../kernels/codegen.js';
import type { SplitContext, SplitRule } from './api.js';
import { dropRegion, gridSplit } from './grid.js';
import { joined, ranges, reshaped, type Box, type Paged } from './paged.js';
import { broadcastBox } from './rules-elementwise.js';

type Dim = 'M' | 'N' | 'K';

/**
 * Which dimension of one matrix product to cut, and how long the pieces are: the first
 * operand over capacity decides (output, then B, then A), and the cut is the one that leaves
 * that operand's pieces contiguous (rows of the stored matrix) where it can.
 */
function chooseCut(M: number, N: number, K: number, t: KernelAttrs['matmul'], cap: number): { dim: Dim; len: number } {
  const piece = (dim: Dim, others: number) => ({ dim, len: Math.max(1, Math.floor(cap / others)) });
  if (M * N > cap) return M > 1 ? piece('M', N) : piece('N', M);
  if (K * N > cap) {
    if (t.transposeB) return N > 1 ? piece('N', K) : piece('K', N);
    return K > 1 ? piece('K', N) : piece('N', K);
  }
  if (t.transposeA) return K > 1 ? piece('K', M) : piece('M', K);
  return M > 1 ? piece('M', K) : piece('K', M);
}

/** The box of a stored operand holding rows [r0, r1) / columns [c0, c1) of op(X) (op = transpose if `t`). */
function opBox(t: boolean, rows: [number, number], cols: [number, number]): Box {
  const [r, c] = t ? [cols, rows] : [rows, cols];
  return { lo: [r[0], c[0]], hi: [r[1], c[1]] };
}

/**
 * One product op(A) [M, K] x op(B) [K, N] that does not fit. Cutting M or N gives pieces of the
 * output (rows are consecutive runs; columns are joined with a concat unless M = 1); cutting K
 * gives partial products that are added. Each piece is planned again, so cuts compose until
 * everything fits.
 */
function matrixSplit(ctx: SplitContext, a: Paged, b: Paged, t: KernelAttrs['matmul']): Paged {
  const [M, K] = t.transposeA ? [a.shape[1], a.shape[0]] : [a.shape[0], a.shape[1]];
  const N = t.transposeB ? b.shape[0] : b.shape[1];
  const { dim, len } = chooseCut(M, N, K, t, ctx.capacity);
  const extent = { M, N, K }[dim];
  const run = (ra: [number, number], rb: [number, number], kr: [number, number]): Paged => {
    const pa = ctx.region(a, opBox(t.transposeA, ra, kr));
    const pb = ctx.region(b, opBox(t.transposeB, kr, rb));
    try {
      return ctx.run('matmul', [pa, pb], t)[0];
    } finally {
      dropRegion(ctx, pa, a);
      dropRegion(ctx, pb, b);
    }
  };
  const all = (n: number): [number, number] => [0, n];
  const parts = ranges(extent, len).map((r) => (dim === 'M' ? run(r, all(N), all(K)) : dim === 'N' ? run(all(M), r, all(K)) : run(all(M), all(N), r)));
  if (dim === 'K') return ctx.combine('add', parts);
  if (dim === 'M' || M === 1) return joined(parts, [M, N], parts[0].dtype);
  const out = ctx.run('concat', parts, { axis: 1 })[0];
  parts.forEach((p) => ctx.release(p));
  return out;
}

/** Batched matmul: cut over the (broadcast) batch first, then within one product. */
export const matmulRule: SplitRule<'matmul'> = (ctx, [a, b], t) => {
  const batch = broadcastShape([a.shape.slice(0, -2), b.shape.slice(0, -2)]);
  const mat = (x: Paged) => reshaped(x, x.shape.slice(-2));
  const [M, N] = [t.transposeA ? a.shape[a.shape.length - 1] : a.shape[a.shape.length - 2], t.transposeB ? b.shape[b.shape.length - 2] : b.shape[b.shape.length - 1]];
  if (sizeOf(batch) === 1) return [reshaped(matrixSplit(ctx, mat(a), mat(b), t), [...batch, M, N])];
  const out = [...batch, M, N];
  const operandBox = (x: Paged, box: Box): Box => {
    const bb = broadcastBox(x.shape.slice(0, -2), { lo: box.lo.slice(0, -2), hi: box.hi.slice(0, -2) });
    return { lo: [...bb.lo, 0, 0], hi: [...bb.hi, ...x.shape.slice(-2)] };
  };
  return gridSplit(ctx, 'matmul', [a, b], [out], {
    depth: batch.length - 1,
    piece: (box) => ({ boxes: [operandBox(a, box), operandBox(b, box)], attrs: t }),
    unit: (box) => {
      const [pa, pb] = [ctx.region(a, operandBox(a, box)), ctx.region(b, operandBox(b, box))];
      return [reshaped(matrixSplit(ctx, mat(pa), mat(pb), t), box.hi.map((h, d) => h - box.lo[d]))];
    },
  });
};
