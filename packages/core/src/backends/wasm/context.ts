import type { TensorInfo } from '../../backend.js';
import { sizeOf, type Shape } from '../../shape.js';
import { splitRange, type Arena } from './arena.js';
import { TAIL_GUARD, type Heap } from './heap.js';
import type { WasmRuntime } from './runtime.js';
import type { Operand, TensorStore } from './storage.js';

/** What the host side of every accelerated kernel works with. */
export interface WasmContext {
  rt: WasmRuntime;
  heap: Heap;
  arena: Arena;
  store: TensorStore;
  /** Work (flops) below which a kernel stays on the calling thread. */
  minParallelFlops: number;
}

/** Below this much work a pool dispatch (tens of microseconds) costs more than it saves. */
export const PARALLEL_MIN_FLOPS = 4e6;

export function threadsFor(ctx: WasmContext, flops: number): number {
  return flops < ctx.minParallelFlops ? 1 : ctx.rt.threads;
}

/** Tasks per thread when work is split: enough for balance when a thread gets descheduled. */
export const TASKS_PER_THREAD = 4;

/** Non-empty [begin, end) chunks of [0, n), about `parts` of them. */
export function chunks(n: number, parts: number): [number, number][] {
  return splitRange(n, Math.min(n, parts)).filter(([a, b]) => b > a);
}

/** [0, n) as the pool's tasks: whole on one thread, else TASKS_PER_THREAD chunks per thread. */
export function poolRanges(n: number, threads: number): [number, number][] {
  return threads === 1 ? [[0, n]] : chunks(n, threads * TASKS_PER_THREAD);
}

/**
 * The wasm address of an operand: heap storage is used in place; a host array is copied into
 * scratch (after `arena.reset()`). `guard` is the readable margin the kernel needs around it,
 * which the heap guarantees up to TAIL_GUARD.
 */
export function place(ctx: WasmContext, op: Operand, guard = 64): number {
  return op.addr >= 0 && guard <= TAIL_GUARD ? op.addr : ctx.arena.put(op.values, guard);
}

/**
 * A fresh float32 output: in the heap where storage lives there (the kernel writes it in place),
 * else a host array. `zero`: whether the kernel relies on zeros; `capacity`: floats the kernel
 * may write (padding past the logical end).
 */
export function output(ctx: WasmContext, shape: Shape, zero = true, capacity = sizeOf(shape)): { info: TensorInfo; out: Operand } {
  const d = ctx.store.alloc('float32', sizeOf(shape), zero, capacity);
  return { info: { dataId: d, shape, dtype: 'float32' }, out: { values: d.values as Float32Array, addr: d.addr } };
}

/** Copy `floats` floats from wasm address `src` to an output (nothing to do when the kernel wrote it in place). */
export function copyToOutput(ctx: WasmContext, src: number, floats: number, out: Operand, outOffset = 0): void {
  if (out.addr >= 0 && out.addr + outOffset * 4 === src) return;
  out.values.set(ctx.rt.f32.subarray(src / 4, src / 4 + floats), outOffset);
}

/**
 * Scratch for every thread that may run a task: `layout` gives each buffer's size in bytes;
 * returns thread 0's addresses and the stride between threads (calls mark these arguments
 * `perThread`). A run on more than one thread may be served by any thread of the pool (the
 * pool does not cap how many take tasks), so it gets scratch for all of them, not `threads`:
 * a 2-image convolution on a 4-thread pool once let threads 2 and 3 write past its scratch.
 */
export function threadScratch<K extends string>(ctx: WasmContext, threads: number, layout: Record<K, number>): { at: Record<K, number>; stride: number } {
  const ALIGN = 64;
  let size = 0;
  const offsets = {} as Record<K, number>;
  for (const k of Object.keys(layout) as K[]) {
    offsets[k] = size;
    size += Math.ceil(layout[k] / ALIGN) * ALIGN + ALIGN;
  }
  const base = ctx.arena.alloc(size * (threads <= 1 ? 1 : ctx.rt.threads));
  const at = {} as Record<K, number>;
  for (const k of Object.keys(layout) as K[]) at[k] = base + offsets[k];
  return { at, stride: size };
}
