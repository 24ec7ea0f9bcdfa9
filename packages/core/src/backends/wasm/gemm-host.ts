import { splitRange, type Arena } from './arena.js';
import type { Call, Task, WasmRuntime } from './runtime.js';

export interface WasmContext {
  rt: WasmRuntime;
  arena: Arena;
  /** Work (flops) below which a kernel stays on the calling thread. */
  minParallelFlops: number;
}

/** Below this much work a pool dispatch (tens of microseconds) costs more than it saves. */
export const PARALLEL_MIN_FLOPS = 4e6;

export function threadsFor(ctx: WasmContext, flops: number): number {
  return flops < ctx.minParallelFlops ? 1 : ctx.rt.threads;
}

/** A strided matrix in wasm memory: element (r, c) at byte ptr + 4 * (r * rs + c * cs). */
export interface WasmView {
  ptr: number;
  rs: number;
  cs: number;
}

/** Packed-panel buffers for one GEMM shape, allocated once and reused across a batch. */
export interface GemmPlan {
  M: number; N: number; K: number;
  mPanels: number; nPanels: number;
  pa: number; pb: number;
  /** C: mPanels*MR rows of ldc floats (padded; the valid part is M x N). */
  c: number; ldc: number;
}

export function planGemm(ctx: WasmContext, M: number, N: number, K: number): GemmPlan {
  const { MR, NR } = ctx.rt.kernels.gemm;
  const mPanels = Math.ceil(M / MR), nPanels = Math.ceil(N / NR);
  const ldc = nPanels * NR;
  return {
    M, N, K, mPanels, nPanels, ldc,
    pa: ctx.arena.alloc(mPanels * K * MR * 4),
    pb: ctx.arena.alloc(nPanels * K * NR * 4),
    c: ctx.arena.alloc(mPanels * MR * ldc * 4),
  };
}

/** Pack calls for A panels [p0, p1): A's panels are B-style panels of Aᵀ (K x M). */
export function packACall(p: GemmPlan, a: WasmView, dst: number, p0: number, p1: number): Call {
  const fn = a.rs === 1 ? 'packA_rows' : 'packA_cols';
  return { fn, args: [a.ptr, a.cs, a.rs, p.K, p.M, p.K, dst, p0, p1] };
}

export function packBCall(p: GemmPlan, b: WasmView, dst: number, p0: number, p1: number): Call {
  const fn = b.cs === 1 ? 'packB_rows' : 'packB_cols';
  return { fn, args: [b.ptr, b.rs, b.cs, p.K, p.N, p.K, dst, p0, p1] };
}

/** Tasks per thread when work is split: enough for balance when a thread gets descheduled. */
const TASKS_PER_THREAD = 4;

/** Non-empty [begin, end) chunks of [0, n), about `parts` of them. */
function chunks(n: number, parts: number): [number, number][] {
  return splitRange(n, Math.min(n, parts)).filter(([a, b]) => b > a);
}

/**
 * C = A·B into the plan's padded C buffer. Phase 1 packs both operands; phase 2 splits the output
 * by row panels (or column panels when there are more of those), so each task streams the shared
 * packed operand against its own slice. Tasks are taken dynamically by the pool's threads.
 */
export function runGemm(ctx: WasmContext, p: GemmPlan, a: WasmView, b: WasmView): void {
  const { MR, NR } = ctx.rt.kernels.gemm;
  const threads = threadsFor(ctx, 2 * p.M * p.N * p.K);
  const parts = threads === 1 ? 1 : threads * TASKS_PER_THREAD;
  const ldcBytes = p.ldc * 4;
  const strideA = p.K * MR * 4, strideB = p.K * NR * 4;
  const pack: Task[] = [
    ...chunks(p.mPanels, parts).map(([m0, m1]) => [packACall(p, a, p.pa, m0, m1)]),
    ...chunks(p.nPanels, parts).map(([n0, n1]) => [packBCall(p, b, p.pb, n0, n1)]),
  ];
  const byRows = p.mPanels >= p.nPanels;
  const compute: Task[] = chunks(byRows ? p.mPanels : p.nPanels, parts).map(([q0, q1]) => [{
    fn: 'gemm_tiles',
    args: byRows
      ? [p.pa + q0 * strideA, p.pb, p.c + q0 * MR * ldcBytes, ldcBytes, q1 - q0, p.nPanels, p.K, 0]
      : [p.pa, p.pb + q0 * strideB, p.c + q0 * NR * 4, ldcBytes, p.mPanels, q1 - q0, p.K, 0],
  }]);
  ctx.rt.run(pack, 0, threads);
  ctx.rt.run(compute, 0, threads);
}

/** Copy the valid M x N part of a padded C (pitch ldc floats) out to `out` at `outOffset`. */
export function copyOut(ctx: WasmContext, c: number, ldc: number, M: number, N: number, out: Float32Array, outOffset: number): void {
  const mem = ctx.rt.f32;
  const base = c / 4;
  if (ldc === N) {
    out.set(mem.subarray(base, base + M * N), outOffset);
    return;
  }
  for (let i = 0; i < M; i++) out.set(mem.subarray(base + i * ldc, base + i * ldc + N), outOffset + i * N);
}
