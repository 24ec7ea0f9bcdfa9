import type { CompareOp, TensorInfo } from '../../backend.js';
import { broadcastShapes, sizeOf, type Shape } from '../../shape.js';
import { TASKS_PER_THREAD, chunks, output, place, threadsFor, type WasmContext } from './context.js';
import { ELEMENT_WORK } from './elementwise.js';
import { WASM_COMPARE_OPS, type WasmCompareOp } from './emit/mask.js';
import type { Call } from './runtime.js';
import type { Operand } from './storage.js';

/** Element ranges for the pool (multiples of 16: whole vectors and mask words). */
function ranges(ctx: WasmContext, n: number): { parts: [number, number][]; threads: number } {
  const threads = threadsFor(ctx, n * ELEMENT_WORK);
  const units = Math.ceil(n / 16);
  const parts = (threads === 1 ? [[0, units]] : chunks(units, threads * TASKS_PER_THREAD)) as [number, number][];
  return { threads, parts: parts.map(([u0, u1]) => [u0 * 16, Math.min(n, u1 * 16)]) };
}

/** x > s or x < s for a scalar s: the bool mask of the ReLU gradient. Other compares: null. */
export function compareWasm(ctx: WasmContext, op: CompareOp, a: Operand, aShape: Shape, b: Operand, bShape: Shape): TensorInfo | null {
  const n = sizeOf(aShape);
  if (!(WASM_COMPARE_OPS as readonly string[]).includes(op) || sizeOf(bShape) !== 1 || n === 0) return null;
  const shape = broadcastShapes(op, aShape, bShape);
  if (sizeOf(shape) !== n) return null;
  const mask = ctx.store.alloc('bool', n, false);
  ctx.arena.reset();
  const pa = place(ctx, a), pb = place(ctx, b);
  const dst = mask.addr >= 0 ? mask.addr : ctx.arena.alloc(n);
  const fn = `cmp_${op as WasmCompareOp}_scalar` as const;
  const { parts, threads } = ranges(ctx, n);
  ctx.rt.run(parts.map(([i0, i1]) => [{ fn, args: [pa + i0 * 4, pb, dst + i0, i1 - i0] }]), 0, threads);
  if (mask.addr < 0) (mask.values as Uint8Array).set(new Uint8Array(ctx.rt.memory.buffer, dst, n));
  return { dataId: mask, shape, dtype: 'bool' };
}

/** where(c, x, y) with c and x of one shape and y the same shape or a scalar; else null. */
export function whereWasm(ctx: WasmContext, c: { values: Uint8Array; addr: number }, cShape: Shape, x: Operand, xShape: Shape, y: Operand, yShape: Shape): TensorInfo | null {
  const shape = broadcastShapes('where', broadcastShapes('where', cShape, xShape), yShape);
  const n = sizeOf(shape), ny = sizeOf(yShape);
  if (n === 0 || sizeOf(cShape) !== n || sizeOf(xShape) !== n || (ny !== n && ny !== 1)) return null;
  const { info, out } = output(ctx, shape, false);
  ctx.arena.reset();
  const pc = c.addr >= 0 ? c.addr : ctx.arena.alloc(n);
  if (c.addr < 0) new Uint8Array(ctx.rt.memory.buffer, pc, n).set(c.values);
  const px = place(ctx, x), py = place(ctx, y);
  const dst = out.addr >= 0 ? out.addr : ctx.arena.alloc(n * 4);
  const scalar = ny === 1 && n !== 1;
  const { parts, threads } = ranges(ctx, n);
  const calls: Call[] = parts.map(([i0, i1]) => ({
    fn: scalar ? 'where_scalar' : 'where_same',
    args: [pc + i0, px + i0 * 4, scalar ? py : py + i0 * 4, dst + i0 * 4, i1 - i0],
  }));
  ctx.rt.run(calls.map((call) => [call]), 0, threads);
  if (out.addr < 0) out.values.set(ctx.rt.f32.subarray(dst / 4, dst / 4 + n));
  return info;
}
