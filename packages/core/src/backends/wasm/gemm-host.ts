import type { Operand } from './storage.js';
import { TASKS_PER_THREAD, copyToOutput, chunks, threadsFor, type WasmContext } from './context.js';
import type { Call, Task } from './runtime.js';

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

/** `cAt`: write C there (an output whose rows are already ldc floats apart) instead of scratch. */
export function planGemm(ctx: WasmContext, M: number, N: number, K: number, cAt = -1): GemmPlan {
  const { MR, NR } = ctx.rt.kernels.gemm;
  const mPanels = Math.ceil(M / MR), nPanels = Math.ceil(N / NR);
  const ldc = nPanels * NR;
  return {
    M, N, K, mPanels, nPanels, ldc,
    pa: ctx.arena.alloc(mPanels * K * MR * 4),
    pb: ctx.arena.alloc(nPanels * K * NR * 4),
    c: cAt >= 0 ? cAt : ctx.arena.alloc(mPanels * MR * ldc * 4),
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

/** Below this many flops a GEMM is split into 2 tasks per thread instead of TASKS_PER_THREAD. */
const SMALL_GEMM_FLOPS = 1e8;

/**
 * C = A·B into the plan's padded C buffer. Phase 1 packs both operands; phase 2 splits the output
 * by row panels (or column panels when there are more of those), so each task streams the shared
 * packed operand against its own slice. Tasks are taken dynamically by the pool's threads.
 */
export function runGemm(ctx: WasmContext, p: GemmPlan, a: WasmView, b: WasmView): void {
  const { MR, NR } = ctx.rt.kernels.gemm;
  const flops = 2 * p.M * p.N * p.K;
  const threads = threadsFor(ctx, flops);
  // Small products (a 256 x 256 is 34 MFLOP, ~0.35 ms) lose more to per-task overhead than they
  // gain from finer balancing: measured 1.58-1.76x tfjs-wasm back to back at 2 tasks per thread, 1.41-1.56x at 4.
  const perThread = flops < SMALL_GEMM_FLOPS ? 2 : TASKS_PER_THREAD;
  const parts = threads === 1 ? 1 : threads * perThread;
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

/** Copy the valid M x N part of a padded C (pitch ldc floats) out to `out` at `outOffset` (a no-op where C is the output). */
export function copyOut(ctx: WasmContext, c: number, ldc: number, M: number, N: number, out: Operand, outOffset: number): void {
  if (ldc === N) {
    copyToOutput(ctx, c, M * N, out, outOffset);
    return;
  }
  const mem = ctx.rt.f32, base = c / 4;
  for (let i = 0; i < M; i++) out.values.set(mem.subarray(base + i * ldc, base + i * ldc + N), outOffset + i * N);
}
