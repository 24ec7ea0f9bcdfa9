import type { BinaryOp, TensorInfo, UnaryOp } from '../../backend.js';
import { broadcastShapes, sizeOf, type Shape } from '../../shape.js';
import { TASKS_PER_THREAD, chunks, output, place, threadsFor, type WasmContext } from './context.js';
import { WASM_BINARY_OPS, WASM_UNARY_OPS, type Broadcast, type WasmBinaryOp, type WasmUnaryOp } from './emit/elementwise.js';
import type { Task } from './runtime.js';
import type { Operand } from './storage.js';

/**
 * Flop-equivalents charged per element of a streaming kernel against the pool threshold: memory
 * traffic, not arithmetic, is the cost (12 bytes per binary element), so an elementwise kernel
 * goes parallel from about a quarter of a million elements.
 */
export const ELEMENT_WORK = 16;
/** Elements per parallel piece are a multiple of this (whole cache lines, full vectors). */
const GRAIN = 16;

/** `shape` without leading 1s equals the trailing dims of `of` (so it repeats over `of`'s rows). */
function isTrailingBlock(shape: Shape, of: Shape): boolean {
  const core = shape.slice(shape.findIndex((d) => d !== 1) < 0 ? shape.length : shape.findIndex((d) => d !== 1));
  if (core.length === 0 || core.length > of.length) return false;
  return core.every((d, i) => d === of[of.length - core.length + i]);
}

/** Which wasm layout a broadcast binary op is, or null for the TypeScript kernel. */
export function broadcastKind(aShape: Shape, bShape: Shape, outShape: Shape): Broadcast | null {
  const n = sizeOf(outShape), na = sizeOf(aShape), nb = sizeOf(bShape);
  if (na === n && nb === n) return 'same';
  if (nb === 1 && na === n) return 'scalarB';
  if (na === 1 && nb === n) return 'scalarA';
  if (na === n && isTrailingBlock(bShape, outShape)) return 'rowB';
  if (nb === n && isTrailingBlock(aShape, outShape)) return 'rowA';
  return null;
}

/** Where the kernel writes: the output in place, or scratch copied out afterwards. */
function destination(ctx: WasmContext, out: Operand, n: number): number {
  return out.addr >= 0 ? out.addr : ctx.arena.alloc(n * 4);
}

function finish(ctx: WasmContext, dst: number, out: Operand): void {
  if (out.addr < 0) out.values.set(ctx.rt.f32.subarray(dst / 4, dst / 4 + out.values.length));
}

/** Split n elements (or n/C rows of C) into pool tasks, each running `call(first, count)`. */
function splitTasks(ctx: WasmContext, n: number, C: number, call: (first: number, count: number) => Task): { tasks: Task[]; threads: number } {
  const threads = threadsFor(ctx, n * ELEMENT_WORK);
  const unit = C > 0 ? C : GRAIN;
  const units = Math.ceil(n / unit);
  const ranges = threads === 1 ? [[0, units]] : chunks(units, threads * TASKS_PER_THREAD);
  return { threads, tasks: ranges.map(([u0, u1]) => call(u0 * unit, Math.min(n, u1 * unit) - u0 * unit)) };
}

/**
 * [A, C, B] op [C, 1...] — a per-channel operand (a conv bias [1, C, 1, 1] on NCHW): where `b`'s
 * non-1 dims are one contiguous block of the output's dims followed by at least one more dim,
 * returns A, C, B; else null.
 */
export function channelBlock(bShape: Shape, outShape: Shape): { A: number; C: number; B: number } | null {
  const rank = outShape.length;
  const aligned = [...new Array<number>(rank - bShape.length).fill(1), ...bShape];
  const dims = aligned.map((d, i) => i).filter((i) => aligned[i] !== 1);
  if (dims.length === 0) return null;
  const k0 = dims[0], k1 = dims[dims.length - 1] + 1;
  if (k1 - k0 !== dims.length || k1 === rank || dims.some((i) => aligned[i] !== outShape[i])) return null;
  return { A: sizeOf(outShape.slice(0, k0)), C: sizeOf(outShape.slice(k0, k1)), B: sizeOf(outShape.slice(k1)) };
}

/** Per-channel broadcast: each task one `bin_<op>_channelB` call over a range of the A·C runs of B elements. */
function binaryChannel(ctx: WasmContext, op: WasmBinaryOp, a: Operand, b: Operand, outShape: Shape, block: { A: number; C: number; B: number }): TensorInfo {
  const { A, C, B } = block;
  const { info, out } = output(ctx, outShape, false);
  ctx.arena.reset();
  const pa = place(ctx, a), pb = place(ctx, b), dst = destination(ctx, out, A * C * B);
  // Pieces of whole runs (splitTasks' rows of B), handed over as run ranges.
  const { tasks, threads } = splitTasks(ctx, A * C * B, B, (first, count) => [{ fn: `bin_${op}_channelB`, args: [pa, pb, dst, first / B, (first + count) / B, B, C] }]);
  ctx.rt.run(tasks, 0, threads);
  finish(ctx, dst, out);
  return info;
}

export function binaryWasm(ctx: WasmContext, op: BinaryOp, a: Operand, aShape: Shape, b: Operand, bShape: Shape): TensorInfo | null {
  if (!(WASM_BINARY_OPS as readonly string[]).includes(op)) return null;
  const outShape = broadcastShapes(op, aShape, bShape);
  const n = sizeOf(outShape);
  const kind = broadcastKind(aShape, bShape, outShape);
  if (n === 0) return null;
  if (kind === null) {
    const block = sizeOf(aShape) === n ? channelBlock(bShape, outShape) : null;
    if (!block) return null;
    return binaryChannel(ctx, op as WasmBinaryOp, a, b, outShape, block);
  }
  const { info, out } = output(ctx, outShape, false);
  ctx.arena.reset();
  const pa = place(ctx, a), pb = place(ctx, b), dst = destination(ctx, out, n);
  const C = kind === 'rowA' ? sizeOf(aShape) : kind === 'rowB' ? sizeOf(bShape) : 0;
  const fn = `bin_${op as WasmBinaryOp}_${kind}` as const;
  const { tasks, threads } = splitTasks(ctx, n, C, (first, count) => [{
    fn,
    args: [
      kind === 'scalarA' || kind === 'rowA' ? pa : pa + first * 4,
      kind === 'scalarB' || kind === 'rowB' ? pb : pb + first * 4,
      dst + first * 4, count, C,
    ],
  }]);
  ctx.rt.run(tasks, 0, threads);
  finish(ctx, dst, out);
  return info;
}

export function unaryWasm(ctx: WasmContext, op: UnaryOp, x: Operand, shape: Shape): TensorInfo | null {
  const n = sizeOf(shape);
  if (!(WASM_UNARY_OPS as readonly string[]).includes(op) || n === 0) return null;
  const { info, out } = output(ctx, shape, false);
  ctx.arena.reset();
  const px = place(ctx, x), dst = destination(ctx, out, n);
  const fn = `un_${op as WasmUnaryOp}` as const;
  const { tasks, threads } = splitTasks(ctx, n, 0, (first, count) => [{ fn, args: [px + first * 4, dst + first * 4, count] }]);
  ctx.rt.run(tasks, 0, threads);
  finish(ctx, dst, out);
  return info;
}
