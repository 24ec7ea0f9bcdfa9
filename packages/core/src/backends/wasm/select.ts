import type { TensorInfo } from '../../backend.js';
import { ValueError } from '../../errors.js';
import { sizeOf, type Shape } from '../../shape.js';
import { TASKS_PER_THREAD, chunks, place, threadsFor, type WasmContext } from './context.js';
import { compactTable } from './emit/select.js';
import type { Task } from './runtime.js';
import type { Operand } from './storage.js';

/** Flop-equivalents per element for the pool threshold: a copy, a quickselect (~3n) and a marking pass. */
const SELECT_WORK = 32;

const COMPACT_TABLE = compactTable();

/** Rows shorter than this are quickselected whole (sampling does not pay). */
const SAMPLE_MIN_ROW = 1024;

/**
 * The sample the kernel brackets the k-th largest value with: every 16th value (s of them), and
 * the ascending sample ranks pLo < pHi around where that value should fall, three standard
 * deviations (plus a few places) either side, so the bracket holds it for random data all but
 * ~0.3 % of the time and the gathered set stays ~6 sqrt(s) x 16 values. Out-of-range ranks mean
 * an open bracket (-inf or +inf).
 */
export function samplePlan(n: number, k: number): { s: number; pLo: number; pHi: number } {
  if (n < SAMPLE_MIN_ROW || k >= n) return { s: 0, pLo: 0, pHi: 0 };
  const s = Math.floor(n / 16);
  const q = (n - k) / n;
  const p = q * s, d = Math.ceil(3 * Math.sqrt(s * q * (1 - q)) + 4);
  return { s, pLo: Math.floor(p) - d, pHi: Math.ceil(p) + d };
}

/**
 * k-WTA selection on wasm: the bool mask of exactly k winners per row (ties to the lower index),
 * bit-identical to the TypeScript kernel (same quickselect, same tie rule). Rows are split across
 * threads; each thread selects in its own scratch copy of the row. A NaN raises the TypeScript
 * kernel's ValueError, naming the first row (and position) holding one.
 */
export function topkMaskWasm(ctx: WasmContext, x: Operand, shape: Shape, k: number): TensorInfo | null {
  const n = shape[shape.length - 1] ?? 0;
  const size = sizeOf(shape);
  if (n === 0 || size === 0) return null;
  const rows = size / n;
  const mask = ctx.store.alloc('bool', size, false);
  const maskValues = mask.values as Uint8Array;
  ctx.arena.reset();
  const px = place(ctx, x);
  const dst = mask.addr >= 0 ? mask.addr : ctx.arena.alloc(size);
  const threads = threadsFor(ctx, size * SELECT_WORK);
  const ranges = threads === 1 ? [[0, rows]] : chunks(rows, threads * TASKS_PER_THREAD);
  const status = ctx.arena.alloc(ranges.length * 8);
  const { s, pLo, pHi } = samplePlan(n, k);
  const stride = (n + 4 + s) * 4;
  const scratch = ctx.arena.alloc(stride * threads);
  const table = ctx.arena.alloc(256);
  new Uint8Array(ctx.rt.memory.buffer, table, 256).set(COMPACT_TABLE);
  ctx.rt.i32.fill(-1, status / 4, status / 4 + ranges.length * 2);
  const tasks: Task[] = ranges.map(([r0, r1], t) => [{
    fn: 'topk_rows',
    args: [px + r0 * n * 4, dst + r0 * n, r1 - r0, n, k, scratch, status + t * 8, r0, s, pLo, pHi, table],
    perThread: [5],
  }]);
  ctx.rt.run(tasks, stride, threads);
  const words = ctx.rt.i32.subarray(status / 4, status / 4 + ranges.length * 2);
  for (let t = 0; t < ranges.length; t++) {
    if (words[2 * t] >= 0) {
      ctx.store.free(mask);
      throw new ValueError(`topk: row ${words[2 * t]} contains NaN at position ${words[2 * t + 1]}; k-WTA needs ordered values`);
    }
  }
  if (mask.addr < 0) maskValues.set(new Uint8Array(ctx.rt.memory.buffer, dst, size));
  return { dataId: mask, shape, dtype: 'bool' };
}
