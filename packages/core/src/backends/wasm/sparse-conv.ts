import type { Conv2dAttrs, TensorInfo } from '../../backend.js';
import { ShapeError } from '../../errors.js';
import type { Shape } from '../../shape.js';
import { sparseConvGeometry, type SparseConvGeometry } from '../cpu/sparse-conv.js';
import { nnz, type SparseRows } from '../cpu/sparse-rows.js';
import { splitRange } from './arena.js';
import { copyToOutput, output, place, threadScratch, threadsFor, type WasmContext } from './context.js';
import { SPARSE_CONV_FIELDS } from './emit/sparse-conv.js';
import type { Task } from './runtime.js';
import { checkRowsFromHost, placeRows, type PlacedRows } from './sparse-rows.js';
import type { Operand } from './storage.js';

/**
 * Host side of a convolution whose input x [N, C, H, W] is sparse per image (a k-WTA's winners
 * over C·H·W): one task per image (the filter gradient: per fixed group of images), each with a
 * channels-last scratch image [OH·OW, F4] of its own. The filter goes channels-last too, as
 * [C·KH·KW, F4], so each (winner, tap) pair is one contiguous F4-float vector update.
 */

interface Prepared {
  g: SparseConvGeometry;
  F4: number;
  P: number;
  CKK: number;
  /** byte address of the SPARSE_CONV_FIELDS block */
  block: number;
  xs: PlacedRows;
  threads: number;
  cl: number;
  stride: number;
}

/**
 * The tap table in wasm memory: for each position s = h·W + w of an input plane, the pairs
 * (filter-tap offset, output-pixel offset) in bytes of the channels-last buffers, at entries
 * start[s] .. start[s+1]: the row taps of h times the column taps of w.
 */
function placeTaps(ctx: WasmContext, g: SparseConvGeometry, F4: number): { start: number; taps: number } {
  const { rows, cols, H, W, KW, OW } = g;
  const start = ctx.arena.alloc((H * W + 1) * 4);
  const taps = ctx.arena.alloc(Math.max(8, rows.tap.length * cols.tap.length * 8));
  const view = ctx.rt.i32;
  let n = 0;
  for (let h = 0, s = 0; h < H; h++) {
    for (let w = 0; w < W; w++, s++) {
      view[start / 4 + s] = n;
      for (let a = rows.start[h]; a < rows.start[h + 1]; a++) {
        for (let b = cols.start[w]; b < cols.start[w + 1]; b++, n++) {
          view[taps / 4 + 2 * n] = (rows.tap[a] * KW + cols.tap[b]) * F4 * 4;
          view[taps / 4 + 2 * n + 1] = (rows.out[a] * OW + cols.out[b]) * F4 * 4;
        }
      }
    }
  }
  view[start / 4 + H * W] = n;
  return { start, taps };
}

/** Taps a winner reaches on average: the dense work's share per winner, for the pool threshold. */
function tapsPerWinner(g: SparseConvGeometry): number {
  return (g.rows.tap.length / Math.max(1, g.H)) * (g.cols.tap.length / Math.max(1, g.W));
}

function prepare(ctx: WasmContext, op: string, x: SparseRows, xShape: Shape, wShape: Shape, attrs: Conv2dAttrs): Prepared {
  checkRowsFromHost(op, 'x', x);
  const g = sparseConvGeometry(op, x, xShape, wShape, attrs);
  const F4 = Math.ceil(g.F / 4) * 4, P = g.OH * g.OW, CKK = g.C * g.KH * g.KW;
  ctx.arena.reset();
  const t = placeTaps(ctx, g, F4);
  const fields: Record<(typeof SPARSE_CONV_FIELDS)[number], number> = {
    plane: g.H * g.W, F: g.F, F4, P, chanBytes: g.KH * g.KW * F4 * 4, tapStart: t.start, taps: t.taps, CHW: g.C * g.H * g.W,
  };
  const block = ctx.arena.alloc(SPARSE_CONV_FIELDS.length * 4);
  SPARSE_CONV_FIELDS.forEach((name, i) => { ctx.rt.i32[block / 4 + i] = fields[name]; });
  const xs = placeRows(ctx, x);
  const threads = Math.min(threadsFor(ctx, 2 * nnz(x) * g.F * tapsPerWinner(g)), Math.max(1, g.N));
  const { at, stride } = threadScratch(ctx, threads, { cl: P * F4 * 4 });
  return { g, F4, P, CKK, block, xs, threads, cl: at.cl, stride };
}

/** The filter channels-last, [C·KH·KW, F4] (zero padding lanes), in scratch. */
function channelsLastFilter(ctx: WasmContext, w: Operand, p: Prepared): number {
  const { F } = p.g, { F4, CKK } = p;
  const wc = ctx.arena.zeros(CKK * F4);
  const view = ctx.rt.f32, base = wc / 4, src = w.values;
  for (let f = 0; f < F; f++) for (let r = 0; r < CKK; r++) view[base + r * F4 + f] = src[f * CKK + r];
  return wc;
}

/** One call per image n: `sp_conv_<kind>(g, idx, val, count, weights, cl, img, dx)`. */
function imageCall(p: Prepared, x: SparseRows, fn: 'sp_conv_fwd' | 'sp_conv_dw' | 'sp_conv_dx', n: number, weights: number, img: number, dx: number) {
  const e0 = x.rowPtr[n], count = x.rowPtr[n + 1] - e0;
  return { fn, args: [p.block, p.xs.indices + e0 * 4, p.xs.values + e0 * 4, count, weights, p.cl, img, dx], perThread: [5] };
}

function checkFilter(op: string, w: Operand, wShape: Shape): void {
  if (w.values.length !== wShape.reduce((a, b) => a * b, 1)) throw new ShapeError(`${op}: filter has ${w.values.length} elements, expected [${wShape.join(', ')}]`);
}

/** y = conv2d(x, W) [N, F, OH, OW] from sparse x: each winner scatters its filter vectors. */
export function sparseConv2dWasm(ctx: WasmContext, x: SparseRows, xShape: Shape, w: Operand, wShape: Shape, attrs: Conv2dAttrs): TensorInfo {
  checkFilter('sparseConv2d', w, wShape);
  const p = prepare(ctx, 'sparseConv2d', x, xShape, wShape, attrs);
  const { N, F } = p.g;
  const { info, out } = output(ctx, [N, F, p.g.OH, p.g.OW], false);
  if (N * F * p.P === 0) return info;
  const wc = channelsLastFilter(ctx, w, p);
  const yPtr = out.addr >= 0 ? out.addr : ctx.arena.alloc(N * F * p.P * 4);
  const tasks: Task[] = [];
  for (let n = 0; n < N; n++) tasks.push([imageCall(p, x, 'sp_conv_fwd', n, wc, yPtr + n * F * p.P * 4, 0)]);
  ctx.rt.run(tasks, p.stride, p.threads);
  copyToOutput(ctx, yPtr, N * F * p.P, out);
  return info;
}

/** Most image groups whose partial filter gradients are summed (fixed: same bits on any thread count). */
const MAX_GROUPS = 8;

/**
 * dW [F, C, KH, KW] from sparse x and dense dy: the images are cut into at most MAX_GROUPS
 * fixed groups, each summing its images in order into its own channels-last accumulator; the
 * groups are added in order (`sum_cols`) and turned back into [F, C·KH·KW].
 */
export function sparseConv2dBackwardFilterWasm(ctx: WasmContext, x: SparseRows, xShape: Shape, dy: Operand, filterShape: Shape, attrs: Conv2dAttrs): TensorInfo {
  const p = prepare(ctx, 'sparseConv2dBackwardFilter', x, xShape, filterShape, attrs);
  const { N, F } = p.g, { F4, CKK, P } = p;
  if (dy.values.length !== N * F * P) throw new ShapeError(`sparseConv2dBackwardFilter: dy has ${dy.values.length} elements, expected [${N}, ${F}, ${p.g.OH}, ${p.g.OW}]`);
  const { info, out } = output(ctx, [...filterShape]);
  if (N * F * CKK * P === 0) return info;
  const dyPtr = place(ctx, dy);
  const groups = splitRange(N, Math.min(N, MAX_GROUPS)).filter(([a, b]) => b > a);
  const dwc = ctx.arena.zeros(groups.length * CKK * F4);
  const tasks: Task[] = groups.map(([n0, n1], j) => {
    const calls: Task = [];
    for (let n = n0; n < n1; n++) calls.push(imageCall(p, x, 'sp_conv_dw', n, dwc + j * CKK * F4 * 4, dyPtr + n * F * P * 4, 0));
    return calls;
  });
  ctx.rt.run(tasks, p.stride, Math.min(p.threads, groups.length));
  // The groups summed in order (in float64), then [C·KH·KW, F4] back to [F, C·KH·KW].
  let sum = dwc;
  if (groups.length > 1) {
    sum = ctx.arena.alloc(CKK * F4 * 4);
    ctx.rt.run([[{ fn: 'sum_cols', args: [dwc, sum, groups.length, CKK * F4, CKK * F4] }]], 0, 1);
  }
  const view = ctx.rt.f32, dst = out.values;
  for (let r = 0, i = sum / 4; r < CKK; r++, i += F4) for (let f = 0; f < F; f++) dst[f * CKK + r] = view[i + f];
  return info;
}

/**
 * The input gradient at x's winners only, as a dense [N, C, H, W] tensor (zeros elsewhere):
 * per winner, the dot products of its filter vectors with the output gradient at the taps it
 * reaches. One task per image; each zeroes its image of dx and writes its winners.
 */
export function sparseConv2dBackwardInputWasm(ctx: WasmContext, dy: Operand, w: Operand, wShape: Shape, x: SparseRows, xShape: Shape, attrs: Conv2dAttrs): TensorInfo {
  checkFilter('sparseConv2dBackwardInput', w, wShape);
  const p = prepare(ctx, 'sparseConv2dBackwardInput', x, xShape, wShape, attrs);
  const { N, F, C, H, W } = p.g, { P } = p;
  if (dy.values.length !== N * F * P) throw new ShapeError(`sparseConv2dBackwardInput: dy has ${dy.values.length} elements, expected [${N}, ${F}, ${p.g.OH}, ${p.g.OW}]`);
  const CHW = C * H * W;
  // No filter or no output pixel: no gradient reaches the input.
  const { info, out } = output(ctx, [...xShape], F * P === 0);
  if (N * CHW * F * P === 0) return info;
  const wc = channelsLastFilter(ctx, w, p);
  const dyPtr = place(ctx, dy);
  const dxPtr = out.addr >= 0 ? out.addr : ctx.arena.alloc(N * CHW * 4);
  const tasks: Task[] = [];
  for (let n = 0; n < N; n++) tasks.push([imageCall(p, x, 'sp_conv_dx', n, wc, dyPtr + n * F * P * 4, dxPtr + n * CHW * 4)]);
  ctx.rt.run(tasks, p.stride, p.threads);
  copyToOutput(ctx, dxPtr, N * CHW, out);
  return info;
}
