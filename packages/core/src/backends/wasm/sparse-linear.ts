import type { TensorInfo } from '../../backend.js';
import { ShapeError } from '../../errors.js';
import { nnz, transposeRows, type SparseRows } from '../cpu/sparse-rows.js';
import { splitRange } from './arena.js';
import { copyToOutput, output, place, poolRanges, threadScratch, threadsFor, type WasmContext } from './context.js';
import { SPARSE_PANEL } from './emit/sparse-linear.js';
import { copyOut } from './gemm-host.js';
import type { Call, Task } from './runtime.js';
import { checkRowsFromHost, densifyInto, placeRows } from './sparse-rows.js';
import type { Operand } from './storage.js';

/**
 * Host side of a linear layer whose input x [N, in] is sparse rows (a k-WTA's winners), W in
 * PyTorch's layout [out, in]. The forward reads W once per call: each task takes a range of
 * SPARSE_PANEL-row panels of W, interleaves one at a time into its thread's scratch
 * (4·in·SPARSE_PANEL bytes, which stays in L2) and runs every sample's winners against it
 * (`sp_linear_fwd`). The backward products walk dy by columns (one weight row at a time).
 */

/** Flop-equivalents per weight element of the panel packing (a strided copy). */
const PACK_WORK = 4;

/** W's panels, interleaved ahead of time (see `packLinearWeight`): a cache for weights that do not change between calls. */
export interface PackedWeight {
  out: number;
  inF: number;
  addr: number;
  release(): void;
}

/** Interleave panel p of W into `dst` (the forward kernel does the same per panel when not given packed weights). */
function packCall(wPtr: number, out: number, inF: number, p: number, dst: number): Call {
  const src = wPtr + p * SPARSE_PANEL * inF * 4;
  if ((p + 1) * SPARSE_PANEL <= out) return { fn: 'sp_pack_full', args: [src, inF, dst] };
  // Wᵀ [in x out] from row p·SPARSE_PANEL of W: element (i, t) at W[p·SPARSE_PANEL + t, i].
  return { fn: 'sp_pack', args: [src, 1, inF, inF, out - p * SPARSE_PANEL, inF, dst, 0, 1] };
}

/**
 * Interleave all of W's panels into one heap block (null when the heap has no room): what an
 * evaluation loop (an attack) that runs many forwards on the same weights can keep.
 */
export function packLinearWeight(ctx: WasmContext, w: Operand, out: number, inF: number): PackedWeight | null {
  const panels = Math.ceil(out / SPARSE_PANEL), bytes = panels * inF * SPARSE_PANEL * 4;
  const addr = ctx.heap.alloc(Math.max(64, bytes));
  if (addr === null) return null;
  ctx.arena.reset();
  const wPtr = place(ctx, w);
  const threads = threadsFor(ctx, out * inF * PACK_WORK);
  const tasks: Task[] = poolRanges(panels, threads).map(([p0, p1]) => {
    const calls: Task = [];
    for (let p = p0; p < p1; p++) calls.push(packCall(wPtr, out, inF, p, addr + p * inF * SPARSE_PANEL * 4));
    return calls;
  });
  ctx.rt.run(tasks, 0, threads);
  return { out, inF, addr, release: () => ctx.heap.release(addr) };
}

/** y [N, out] = x · Wᵀ for sparse rows x; `packed`: W's panels interleaved ahead of time (else per call, per task). */
export function sparseLinearWasm(ctx: WasmContext, x: SparseRows, w: Operand, out: number, packed?: PackedWeight): TensorInfo {
  checkRowsFromHost('sparseLinear', 'x', x);
  const N = x.rows, inF = x.cols;
  if (w.values.length !== out * inF) throw new ShapeError(`sparseLinear: weight has ${w.values.length} elements, expected [${out}, ${inF}]`);
  if (packed && (packed.out !== out || packed.inF !== inF)) throw new ShapeError(`sparseLinear: packed weight is [${packed.out}, ${packed.inF}], expected [${out}, ${inF}]`);
  const panels = Math.ceil(out / SPARSE_PANEL);
  const { info, out: y } = output(ctx, [N, out], false);
  if (N * out === 0) return info;
  ctx.arena.reset();
  const xs = placeRows(ctx, x);
  const wPtr = packed ? 0 : place(ctx, w);
  // Whole panels write straight into a heap output; else into padded scratch, copied out.
  const inPlace = out % SPARSE_PANEL === 0 && y.addr >= 0;
  const ldy = inPlace ? out : panels * SPARSE_PANEL;
  const yPtr = inPlace ? y.addr : ctx.arena.alloc(N * ldy * 4);
  const threads = threadsFor(ctx, 2 * nnz(x) * out + (packed ? 0 : out * inF * PACK_WORK));
  const panelBytes = inF * SPARSE_PANEL * 4;
  const { at, stride } = threadScratch(ctx, packed ? 1 : threads, { panel: packed ? 0 : panelBytes });
  const tasks: Task[] = poolRanges(panels, threads).map(([p0, p1]) => [{
    fn: 'sp_linear_fwd',
    args: [wPtr, inF, out, p0, p1, packed ? packed.addr : at.panel, packed ? 1 : 0, xs.rowPtr, xs.indices, xs.values, N, yPtr, ldy * 4],
    perThread: packed ? [] : [5],
  }]);
  ctx.rt.run(tasks, packed ? 0 : stride, threads);
  copyOut(ctx, yPtr, ldy, N, out, y, 0);
  return info;
}

/** dy's columns (weight rows) in wasm memory: for `sp_linear_dw` / `sp_linear_dx`. */
function placeColumns(ctx: WasmContext, dy: SparseRows) {
  return placeRows(ctx, transposeRows(dy));
}

function checkRows(op: string, dy: SparseRows, x: SparseRows): void {
  checkRowsFromHost(op, 'dy', dy);
  checkRowsFromHost(op, 'x', x);
  if (dy.rows !== x.rows) throw new ShapeError(`${op}: dy has ${dy.rows} rows, x has ${x.rows}`);
}

/**
 * dW [out, in] = dyᵀ · x as a sum of sparse outer products (dy: its non-zeros or the next
 * k-WTA's winners). Tasks own ranges of weight rows; each row is zeroed and accumulated in L1,
 * written once.
 */
export function sparseLinearWeightGradWasm(ctx: WasmContext, dy: SparseRows, x: SparseRows): TensorInfo {
  checkRows('sparseLinearWeightGrad', dy, x);
  const out = dy.cols, inF = x.cols;
  const { info, out: dw } = output(ctx, [out, inF], false);
  if (out * inF === 0) return info;
  ctx.arena.reset();
  const cols = placeColumns(ctx, dy), xs = placeRows(ctx, x);
  const dwPtr = dw.addr >= 0 ? dw.addr : ctx.arena.alloc(out * inF * 4);
  const perSample = x.rows === 0 ? 0 : nnz(x) / x.rows;
  const threads = threadsFor(ctx, 2 * nnz(dy) * perSample + out * inF);
  const tasks: Task[] = poolRanges(out, threads).map(([o0, o1]) => [{
    fn: 'sp_linear_dw', args: [o0, o1, cols.rowPtr, cols.indices, cols.values, xs.rowPtr, xs.indices, xs.values, dwPtr, inF],
  }]);
  ctx.rt.run(tasks, 0, threads);
  copyToOutput(ctx, dwPtr, out * inF, dw);
  return info;
}

/**
 * Groups of weight rows whose partial input gradients are summed: a split fixed by the shape
 * (same bits on any thread count), at most 8 and at least ROWS_PER_GROUP rows each, since every
 * group zeroes, fills and adds one float per entry of x.
 */
const MAX_GROUPS = 8;
const ROWS_PER_GROUP = 256;

/**
 * The input gradient dx = dy · W at x's entries only, as a dense [N, in] tensor (zeros
 * elsewhere: the k-WTA before this layer keeps only its winners' gradient). The weight rows are
 * cut into fixed groups; each accumulates one float per entry of x, and the groups are summed in
 * order (`sum_cols`, in float64) before the entries are scattered.
 */
export function sparseLinearInputGradWasm(ctx: WasmContext, dy: SparseRows, w: Operand, x: SparseRows): TensorInfo {
  checkRows('sparseLinearInputGrad', dy, x);
  const out = dy.cols, inF = x.cols, n = nnz(x);
  if (w.values.length !== out * inF) throw new ShapeError(`sparseLinearInputGrad: weight has ${w.values.length} elements, expected [${out}, ${inF}]`);
  const { info, out: dx } = output(ctx, [x.rows, inF], false);
  if (x.rows * inF === 0) return info;
  ctx.arena.reset();
  const cols = placeColumns(ctx, dy), xs = placeRows(ctx, x), wPtr = place(ctx, w);
  const groups = splitRange(out, Math.max(1, Math.min(MAX_GROUPS, Math.floor(out / ROWS_PER_GROUP)))).filter(([a, b]) => b > a);
  const acc = ctx.arena.zeros(Math.max(1, groups.length * n));
  const perSample = x.rows === 0 ? 0 : n / x.rows;
  const threads = Math.min(threadsFor(ctx, 2 * nnz(dy) * perSample), Math.max(1, groups.length));
  const tasks: Task[] = groups.map(([o0, o1], j) => [{
    fn: 'sp_linear_dx', args: [o0, o1, cols.rowPtr, cols.indices, cols.values, xs.rowPtr, xs.indices, wPtr, inF, acc + j * n * 4],
  }]);
  ctx.rt.run(tasks, 0, threads);
  let values = acc;
  if (groups.length > 1) {
    values = ctx.arena.alloc(n * 4);
    ctx.rt.run([[{ fn: 'sum_cols', args: [acc, values, groups.length, n, n] }]], 0, 1);
  }
  densifyInto(ctx, x, xs, values, dx);
  return info;
}
