import type { KernelName } from './backend.js';
import { engine } from './engine.js';
import type { DType } from './dtype.js';
import { sizeOf } from './shape.js';

/** Calls and time of one kernel (with its op, e.g. `binary:add`) on one dtype. */
export interface KernelStat {
  key: string;
  kernel: KernelName;
  dtype: DType;
  calls: number;
  ms: number;
  /** Elements of the largest first input seen (to tell a bias add from a weight update). */
  maxElements: number;
}

/**
 * What {@link profileKernels} measured: the function's result, wall time, kernel time and per-kernel
 * statistics.
 */
export interface KernelProfile<T> {
  result: T;
  /** Wall time of `fn` in ms. */
  totalMs: number;
  /** Time spent inside backend kernels, in ms (the rest is autodiff, allocation, JS glue). */
  kernelMs: number;
  /** Per kernel, slowest first. */
  kernels: KernelStat[];
}

/** Options of {@link profileKernels}. */
export interface ProfileOptions {
  /**
   * Key kernels by their input shapes too (and matmul's transposes), e.g.
   * `matmul tB float32 [64,3136] [20000,3136]`: tells the layers of a network apart.
   */
  byShape?: boolean;
}

/** ` tA tB [2,3] [3,4]`: what tells two calls of one kernel apart in a by-shape profile. */
function shapeSuffix(attrs: unknown, inputs: readonly { shape: readonly number[] }[]): string {
  const a = attrs as { transposeA?: boolean; transposeB?: boolean };
  const flags = `${a.transposeA ? ' tA' : ''}${a.transposeB ? ' tB' : ''}`;
  return `${flags} ${inputs.map((t) => `[${t.shape.join(',')}]`).join(' ')}`;
}

/**
 * Run `fn` and report where the time went, kernel by kernel (like tfjs's `tf.profile`): what a
 * user needs to see why a step is slow. Timing is wall clock around each synchronous kernel
 * call. Profiles do not nest; the previous observer is restored afterwards.
 */
export function profileKernels<T>(fn: () => T, opts: ProfileOptions = {}): KernelProfile<T> {
  const stats = new Map<string, KernelStat>();
  const prev = engine.kernelObserver;
  engine.kernelObserver = (kernel, attrs, inputs, ms) => {
    const op = (attrs as { op?: string }).op;
    const dtype = inputs[0]?.dtype ?? 'float32';
    const key = `${kernel}${op ? `:${op}` : ''} ${dtype}${opts.byShape ? shapeSuffix(attrs, inputs) : ''}`;
    let s = stats.get(key);
    if (!s) stats.set(key, (s = { key, kernel, dtype, calls: 0, ms: 0, maxElements: 0 }));
    s.calls++;
    s.ms += ms;
    const n = inputs[0] ? sizeOf(inputs[0].shape) : 0;
    if (n > s.maxElements) s.maxElements = n;
  };
  const t0 = performance.now();
  try {
    const result = fn();
    const totalMs = performance.now() - t0;
    const kernels = [...stats.values()].sort((a, b) => b.ms - a.ms);
    return { result, totalMs, kernelMs: kernels.reduce((a, k) => a + k.ms, 0), kernels };
  } finally {
    engine.kernelObserver = prev;
  }
}
