import type { KernelAttrs, TensorInfo } from '../../backend.js';
import { sizeOf } from '../../shape.js';
import { TASKS_PER_THREAD, chunks, output, place, threadsFor, type WasmContext } from './context.js';
import { ELEMENT_WORK } from './elementwise.js';
import { sgdKernelName } from './emit/update.js';
import type { Operand } from './storage.js';

/**
 * A donated operand as the output it becomes (in the heap only): element i of the update reads
 * p[i], g[i], b[i] before it writes p'[i], b'[i], so writing over the inputs is safe.
 */
function reuse(ctx: WasmContext, t: TensorInfo, donated: boolean): { info: TensorInfo; out: Operand } | null {
  const out = ctx.store.operand(t.dataId);
  return donated && out.addr >= 0 ? { info: t, out } : null;
}

/** Elements per parallel piece: whole cache lines. */
const GRAIN = 16;

/**
 * One SGD step over a parameter in one pass (read p, g and the momentum buffer; write p' and
 * the new buffer), split over the pool: the update of fc1's 62.7 M weights at the paper's width
 * was five passes (three multiplies, an add, a subtract).
 */
export function sgdUpdateWasm(ctx: WasmContext, inputs: readonly TensorInfo[], a: KernelAttrs['sgdUpdate'], donated: readonly number[]): TensorInfo[] {
  const [p, g, b] = inputs;
  const n = sizeOf(p.shape);
  const momentum = a.momentum === 0 ? 'none' : b ? 'later' : 'first';
  const np = reuse(ctx, p, donated.includes(0)) ?? output(ctx, p.shape, false);
  const nb = momentum === 'none' ? null : (b && reuse(ctx, b, donated.includes(2))) || output(ctx, p.shape, false);
  if (n === 0) return nb ? [np.info, nb.info] : [np.info];
  ctx.arena.reset();
  const op = (t: TensorInfo) => place(ctx, ctx.store.operand(t.dataId));
  const pp = op(p), pg = op(g), pb = b && momentum === 'later' ? op(b) : 0;
  const dp = np.out.addr >= 0 ? np.out.addr : ctx.arena.alloc(n * 4);
  const db = !nb ? 0 : nb.out.addr >= 0 ? nb.out.addr : ctx.arena.alloc(n * 4);
  const scalars = ctx.arena.alloc(16);
  ctx.rt.f32.set([a.lr, a.momentum, 1 - a.dampening, a.weightDecay], scalars / 4);
  const fn = sgdKernelName({ decay: a.weightDecay !== 0, momentum, nesterov: a.nesterov && momentum !== 'none' });
  const threads = threadsFor(ctx, n * ELEMENT_WORK);
  const units = Math.ceil(n / GRAIN);
  const ranges = threads === 1 ? [[0, units]] : chunks(units, threads * TASKS_PER_THREAD);
  ctx.rt.run(ranges.map(([u0, u1]) => {
    const i0 = u0 * GRAIN, count = Math.min(n, u1 * GRAIN) - i0, at = (addr: number) => addr + i0 * 4;
    return [{ fn, args: [at(pp), at(pg), pb && at(pb), at(dp), db && at(db), count, scalars] }];
  }), 0, threads);
  if (np.out.addr < 0) np.out.values.set(ctx.rt.f32.subarray(dp / 4, dp / 4 + n));
  if (nb && nb.out.addr < 0) nb.out.values.set(ctx.rt.f32.subarray(db / 4, db / 4 + n));
  return nb ? [np.info, nb.info] : [np.info];
}
