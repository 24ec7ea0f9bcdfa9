import type { KernelAttrs, TensorInfo } from '../../backend.js';
import { sizeOf, type Shape } from '../../shape.js';
import { TASKS_PER_THREAD, chunks, output, place, threadsFor, type WasmContext } from './context.js';
import { ELEMENT_WORK } from './elementwise.js';
import type { Operand } from './storage.js';

/**
 * A full reduction is summed in pieces of this many floats whatever the thread count, and the
 * pieces' float64 partial sums are added on the host in order: same bits on 1 thread or 16.
 */
export const SUM_PIECE = 1 << 16;

/**
 * float32 sums on wasm: over trailing axes (each row's partial sums in float64, rows split across
 * threads), over everything (fixed pieces, see SUM_PIECE), over leading axes (column sums in
 * float64 in row order: the TypeScript kernel's bits; columns split across threads) and over all
 * axes but one contiguous block (one float64 chain per kept element, in the TypeScript kernel's
 * order: its bits too). Other axis sets, and max/min, return null (the TypeScript kernel).
 */
export function reduceWasm(ctx: WasmContext, x: Operand, shape: Shape, { op, axes }: KernelAttrs['reduce']): TensorInfo | null {
  const rank = shape.length, m = axes.length;
  if (op !== 'sum' || m === 0 || sizeOf(shape) === 0) return null;
  const sorted = axes.every((d, i) => i === 0 || d > axes[i - 1]);
  const trailing = sorted && axes[0] === rank - m && axes[m - 1] === rank - 1;
  const leading = sorted && axes[0] === 0 && axes[m - 1] === m - 1;
  const kept = shape.filter((_, d) => !axes.includes(d));
  if (trailing) return sumTrailing(ctx, x, kept, sizeOf(kept), sizeOf(shape) / sizeOf(kept));
  if (leading) return sumLeading(ctx, x, kept, sizeOf(shape) / sizeOf(kept), sizeOf(kept));
  // Every axis but one contiguous block [k0, k1): x is [A, C, B] summed over A and B.
  const keptAxes = shape.map((_, d) => d).filter((d) => !axes.includes(d));
  const k0 = keptAxes[0], k1 = keptAxes[keptAxes.length - 1] + 1;
  if (sorted && keptAxes.length > 0 && k1 - k0 === keptAxes.length) {
    return sumMiddle(ctx, x, kept, sizeOf(shape.slice(0, k0)), sizeOf(kept), sizeOf(shape.slice(k1)));
  }
  return null;
}

function sumMiddle(ctx: WasmContext, x: Operand, kept: Shape, A: number, C: number, B: number): TensorInfo {
  const { info, out } = output(ctx, kept, false);
  ctx.arena.reset();
  const px = place(ctx, x);
  const dst = out.addr >= 0 ? out.addr : ctx.arena.alloc(C * 4);
  const threads = threadsFor(ctx, A * B * C * ELEMENT_WORK);
  const ranges = threads === 1 ? [[0, C]] : chunks(C, threads * TASKS_PER_THREAD);
  const tasks = ranges.map(([c0, c1]) => [{ fn: 'sum_mid' as const, args: [px + c0 * B * 4, dst + c0 * 4, A, c1 - c0, B, C] }]);
  ctx.rt.run(tasks, 0, threads);
  if (out.addr < 0) out.values.set(ctx.rt.f32.subarray(dst / 4, dst / 4 + C));
  return info;
}

function sumTrailing(ctx: WasmContext, x: Operand, kept: Shape, rows: number, C: number): TensorInfo {
  const { info, out } = output(ctx, kept, false);
  ctx.arena.reset();
  const px = place(ctx, x);
  // One row: sum fixed pieces as rows of their own, then add the pieces here.
  const pieceLen = rows === 1 ? Math.min(C, SUM_PIECE) : C;
  const pieces = rows === 1 ? Math.ceil(C / pieceLen) : rows;
  const partial = ctx.arena.alloc(pieces * 8);
  const threads = threadsFor(ctx, rows * C * ELEMENT_WORK);
  const ranges = threads === 1 ? [[0, pieces]] : chunks(pieces, threads * TASKS_PER_THREAD);
  const tasks = ranges.flatMap(([p0, p1]) => {
    const full = Math.min(p1, Math.floor((rows * C) / pieceLen)) - p0; // pieces of pieceLen floats
    const calls = full > 0 ? [[{ fn: 'sum_rows' as const, args: [px + p0 * pieceLen * 4, partial + p0 * 8, full, pieceLen] }]] : [];
    if (p0 + full < p1) {
      const start = (p0 + full) * pieceLen; // the short last piece
      calls.push([{ fn: 'sum_rows' as const, args: [px + start * 4, partial + (p0 + full) * 8, 1, rows * C - start] }]);
    }
    return calls;
  });
  ctx.rt.run(tasks, 0, threads);
  const sums = new Float64Array(ctx.rt.memory.buffer, partial, pieces);
  if (rows === 1) {
    let s = 0;
    for (let p = 0; p < pieces; p++) s += sums[p];
    out.values[0] = s;
  } else out.values.set(sums);
  return info;
}

function sumLeading(ctx: WasmContext, x: Operand, kept: Shape, rows: number, cols: number): TensorInfo {
  const { info, out } = output(ctx, kept, false);
  ctx.arena.reset();
  const px = place(ctx, x);
  const dst = out.addr >= 0 ? out.addr : ctx.arena.alloc(cols * 4);
  const threads = threadsFor(ctx, rows * cols * ELEMENT_WORK);
  const groups = Math.ceil(cols / 8);
  const ranges = threads === 1 ? [[0, groups]] : chunks(groups, threads * TASKS_PER_THREAD);
  const tasks = ranges.map(([g0, g1]) => {
    const c0 = g0 * 8, c1 = Math.min(cols, g1 * 8);
    return [{ fn: 'sum_cols' as const, args: [px + c0 * 4, dst + c0 * 4, rows, c1 - c0, cols] }];
  });
  ctx.rt.run(tasks, 0, threads);
  if (out.addr < 0) out.values.set(ctx.rt.f32.subarray(dst / 4, dst / 4 + cols));
  return info;
}
