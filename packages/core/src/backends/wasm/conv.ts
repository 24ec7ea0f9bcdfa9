import type { Conv2dAttrs } from '../../backend.js';
import { convOutSize, type Shape } from '../../shape.js';
import { GEOMETRY_FIELDS } from './emit/conv.js';
import { copyOut, packACall, packBCall, type GemmPlan } from './gemm-host.js';
import { splitRange } from './arena.js';
import { copyToOutput, place, threadScratch, threadsFor, type WasmContext } from './context.js';
import type { Call, Task } from './runtime.js';
import type { Operand } from './storage.js';

interface Geometry {
  N: number; C: number; H: number; W: number; F: number; KH: number; KW: number; OH: number; OW: number;
  P: number; CKK: number;
  /** byte address of the Int32 geometry block the unfold kernels read */
  block: number;
}

function geometry(ctx: WasmContext, xShape: Shape, wShape: Shape, a: Conv2dAttrs): Geometry {
  const [N, C, H, W] = xShape;
  const [F, , KH, KW] = wShape;
  const OH = convOutSize(H, KH, a.stride[0], a.pad[0], a.dilation[0]);
  const OW = convOutSize(W, KW, a.stride[1], a.pad[1], a.dilation[1]);
  const fields: Record<(typeof GEOMETRY_FIELDS)[number], number> = {
    C, H, W, KH, KW, sh: a.stride[0], sw: a.stride[1], ph: a.pad[0], pw: a.pad[1], dh: a.dilation[0], dw: a.dilation[1], OH, OW,
  };
  const block = ctx.arena.alloc(GEOMETRY_FIELDS.length * 4);
  GEOMETRY_FIELDS.forEach((name, i) => { ctx.rt.i32[block / 4 + i] = fields[name]; });
  return { N, C, H, W, F, KH, KW, OH, OW, P: OH * OW, CKK: C * KH * KW, block };
}

/** Guard band for an unfolded image: im2col may read up to `pad` floats past a row's ends. */
const guardFor = (a: Conv2dAttrs) => 4 * (a.pad[1] + 16);

function gemmTilesCall(pa: number, pb: number, c: number, ldc: number, mPanels: number, nPanels: number, K: number, acc: boolean): Call {
  return { fn: 'gemm_tiles', args: [pa, pb, c, ldc * 4, mPanels, nPanels, K, acc ? 1 : 0] };
}

function panels(ctx: WasmContext, M: number, N: number) {
  const { MR, NR } = ctx.rt.kernels.gemm;
  const mPanels = Math.ceil(M / MR), nPanels = Math.ceil(N / NR);
  return { MR, NR, mPanels, nPanels, ldc: nPanels * NR, rows: mPanels * MR };
}

/** A GemmPlan-shaped descriptor for the pack-call helpers (no buffers of its own). */
function shapeOnly(M: number, N: number, K: number): GemmPlan {
  return { M, N, K, mPanels: 0, nPanels: 0, pa: 0, pb: 0, c: 0, ldc: 0 };
}

/**
 * y[n] = W · im2col(x[n]) per image: W [F x CKK] is packed once; one task per image unfolds and
 * packs it in the running thread's scratch and runs the GEMM into its slice of the padded output.
 */
export function conv2dWasm(ctx: WasmContext, x: Operand, xShape: Shape, w: Operand, wShape: Shape, attrs: Conv2dAttrs, out: Operand): void {
  ctx.arena.reset();
  const g = geometry(ctx, xShape, wShape, attrs);
  const { N, F, P, CKK } = g;
  if (N === 0 || F === 0 || P === 0) return;
  const xPtr = place(ctx, x, guardFor(attrs)), wPtr = place(ctx, w);
  const { NR, MR, mPanels, nPanels, ldc, rows } = panels(ctx, F, P);
  const pa = ctx.arena.alloc(mPanels * CKK * MR * 4);
  const threads = Math.min(threadsFor(ctx, 2 * N * F * P * CKK), N);
  const imgBytes = g.C * g.H * g.W * 4, outImg = rows * ldc;
  // The GEMM writes straight into a heap output when its padded tiles are the output's layout.
  const yPtr = out.addr >= 0 && rows === F && ldc === P ? out.addr : ctx.arena.alloc(N * outImg * 4);
  const { at, stride } = threadScratch(ctx, threads, { cols: CKK * P * 4, pb: nPanels * CKK * NR * 4 });
  const shape = shapeOnly(F, P, CKK);
  ctx.rt.run([[packACall(shape, { ptr: wPtr, rs: CKK, cs: 1 }, pa, 0, mPanels)]], 0, 1);
  const tasks: Task[] = [];
  for (let n = 0; n < N; n++) {
    tasks.push([
      { fn: 'im2col', args: [xPtr + n * imgBytes, g.block, at.cols, P], perThread: [2] },
      { ...packBCall(shape, { ptr: at.cols, rs: P, cs: 1 }, at.pb, 0, nPanels), perThread: [0, 6] },
      { ...gemmTilesCall(pa, at.pb, yPtr + n * outImg * 4, ldc, mPanels, nPanels, CKK, false), perThread: [1] },
    ]);
  }
  ctx.rt.run(tasks, stride, threads);
  for (let n = 0; n < N; n++) copyOut(ctx, yPtr + n * outImg * 4, ldc, F, P, out, n * F * P);
}

/** dx[n] = col2im(Wᵀ · dy[n]); Wᵀ packed once, one task per image. */
export function conv2dBackwardInputWasm(ctx: WasmContext, dy: Operand, w: Operand, wShape: Shape, attrs: Conv2dAttrs & { inputShape: Shape }, out: Operand): void {
  ctx.arena.reset();
  const g = geometry(ctx, attrs.inputShape, wShape, attrs);
  const { N, F, P, CKK } = g;
  if (N === 0 || CKK === 0 || P === 0 || F === 0) return; // dx stays zero
  const dyPtr = place(ctx, dy), wPtr = place(ctx, w);
  const imgFloats = g.C * g.H * g.W;
  // col2im accumulates onto dx: a heap output (zero-filled) takes the sums in place.
  const dxPtr = out.addr >= 0 ? out.addr : ctx.arena.zeros(N * imgFloats);
  const { NR, MR, mPanels, nPanels, ldc, rows } = panels(ctx, CKK, P);
  const pa = ctx.arena.alloc(mPanels * F * MR * 4);
  const threads = Math.min(threadsFor(ctx, 2 * N * F * P * CKK), N);
  const { at, stride } = threadScratch(ctx, threads, { pb: nPanels * F * NR * 4, dcols: rows * ldc * 4 });
  const shape = shapeOnly(CKK, P, F);
  // A = Wᵀ: A(r, f) = W[f, r].
  ctx.rt.run([[packACall(shape, { ptr: wPtr, rs: 1, cs: CKK }, pa, 0, mPanels)]], 0, 1);
  const tasks: Task[] = [];
  for (let n = 0; n < N; n++) {
    tasks.push([
      { ...packBCall(shape, { ptr: dyPtr + n * F * P * 4, rs: P, cs: 1 }, at.pb, 0, nPanels), perThread: [6] },
      { ...gemmTilesCall(pa, at.pb, at.dcols, ldc, mPanels, nPanels, F, false), perThread: [1, 2] },
      { fn: 'col2im', args: [dxPtr + n * imgFloats * 4, g.block, at.dcols, ldc], perThread: [2] },
    ]);
  }
  ctx.rt.run(tasks, stride, threads);
  copyToOutput(ctx, dxPtr, N * imgFloats, out);
}

/**
 * dW = Σₙ dy[n] · im2col(x[n])ᵀ. The images are split into at most 8 fixed, contiguous groups; a
 * task sums one group's images in order into the group's own dW, and the host adds the groups in
 * order. The summation order depends only on N, never on which thread ran what or how many
 * threads there are: same inputs, same bits (a per-thread split made training runs differ).
 */
export function conv2dBackwardFilterWasm(ctx: WasmContext, x: Operand, xShape: Shape, dy: Operand, attrs: Conv2dAttrs & { filterShape: Shape }, out: Operand): void {
  ctx.arena.reset();
  const g = geometry(ctx, xShape, attrs.filterShape, attrs);
  const { N, F, P, CKK } = g;
  if (N === 0 || F === 0 || CKK === 0 || P === 0) return; // dW stays zero
  const xPtr = place(ctx, x, guardFor(attrs)), dyPtr = place(ctx, dy);
  const { NR, MR, mPanels, nPanels, ldc, rows } = panels(ctx, F, CKK);
  const groups = splitRange(N, Math.min(N, 8)).filter(([s, e]) => e > s);
  const threads = Math.min(threadsFor(ctx, 2 * N * F * P * CKK), groups.length);
  const groupFloats = rows * ldc;
  const dwBase = ctx.arena.zeros(groups.length * groupFloats);
  const imgBytes = g.C * g.H * g.W * 4;
  const { at, stride } = threadScratch(ctx, threads, {
    cols: CKK * P * 4, pa: mPanels * P * MR * 4, pb: nPanels * P * NR * 4,
  });
  const shape = shapeOnly(F, CKK, P);
  const tasks: Task[] = groups.map(([start, end], j) => {
    const dw = dwBase + j * groupFloats * 4;
    const calls: Task = [];
    for (let n = start; n < end; n++) {
      calls.push(
        { fn: 'im2col', args: [xPtr + n * imgBytes, g.block, at.cols, P], perThread: [2] },
        // A = dy[n] [F x P]; B = colsᵀ [P x CKK]: B(p, r) = cols[r, p].
        { ...packACall(shape, { ptr: dyPtr + n * F * P * 4, rs: P, cs: 1 }, at.pa, 0, mPanels), perThread: [6] },
        { ...packBCall(shape, { ptr: at.cols, rs: 1, cs: P }, at.pb, 0, nPanels), perThread: [0, 6] },
        { ...gemmTilesCall(at.pa, at.pb, dw, ldc, mPanels, nPanels, P, true), perThread: [0, 1] },
      );
    }
    return calls;
  });
  ctx.rt.run(tasks, stride, threads);
  const view = ctx.rt.f32, dst = out.values;
  for (let j = 0; j < groups.length; j++) {
    const base = (dwBase + j * groupFloats * 4) / 4;
    for (let f = 0; f < F; f++) {
      for (let r = 0, o = f * CKK, i = base + f * ldc; r < CKK; r++) dst[o + r] += view[i + r];
    }
  }
}
