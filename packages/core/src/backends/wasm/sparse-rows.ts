import type { TensorInfo } from '../../backend.js';
import { DTypeError, ValueError } from '../../errors.js';
import { checkSparseRows, fixedRowPtr, nnz, winnersFromMask, type SparseRows } from '../cpu/sparse-rows.js';
import { output, place, poolRanges, threadsFor, type WasmContext } from './context.js';
import { compactTable } from './emit/select.js';
import type { Task } from './runtime.js';
import type { Operand } from './storage.js';

/** Byte addresses of sparse rows' arrays in wasm memory. */
export interface PlacedRows {
  rowPtr: number;
  indices: number;
  values: number;
}

/**
 * Sparse rows made by a wasm kernel: their arrays are views of heap blocks (addresses in `at`),
 * or host arrays when the heap had no room (`at` absent).
 */
export interface RowsInWasm extends SparseRows {
  readonly at?: PlacedRows;
  /** Return the heap blocks; the arrays must not be used afterwards. */
  release(): void;
}

/**
 * Check sparse rows from the caller (`checkSparseRows`); rows a wasm kernel made (`at` set) were
 * checked when they were made and are trusted, so the hot path pays nothing.
 */
export function checkRowsFromHost(op: string, name: string, s: SparseRows): void {
  if (!(s.values instanceof Float32Array)) throw new DTypeError(`${op}: ${name}.values must be float32 on the wasm backend`);
  if (!(s as Partial<RowsInWasm>).at) checkSparseRows(op, name, s);
}

/** The addresses a kernel reads sparse rows at: in place when they are in the heap, else copied into scratch. */
export function placeRows(ctx: WasmContext, s: SparseRows): PlacedRows {
  const at = (s as Partial<RowsInWasm>).at;
  if (at) return at;
  const ints = (a: Int32Array) => {
    const p = ctx.arena.alloc(Math.max(4, a.length * 4));
    ctx.rt.i32.set(a, p / 4);
    return p;
  };
  // Float32 values: checked by `checkRowsFromHost` before any kernel places rows.
  return { rowPtr: ints(s.rowPtr), indices: ints(s.indices), values: ctx.arena.put(s.values as Float32Array) };
}

/** Flop-equivalents per element of an extraction pass (streaming, like an elementwise kernel). */
const EXTRACT_WORK = 16;
const COMPACT_TABLE = compactTable();

/**
 * The winners of a k-WTA ([rows, cols] values x and the `topkMask` kernel's mask) as sparse rows
 * in the wasm heap, rows split across the pool. Bit-identical to `winnersFromMask`; like it,
 * refuses a mask with a row that does not hold exactly k winners. When the heap has no room the
 * rows are built on the host by the TypeScript kernel (`release` then does nothing).
 */
export function extractWinnersWasm(ctx: WasmContext, x: Operand, mask: { values: Uint8Array; addr: number }, rows: number, cols: number, k: number): RowsInWasm {
  const n = rows * k;
  // Heap views survive memory growth only on a shared memory (as for tensors: `TensorStore.inHeap`).
  const blocks = ctx.store.inHeap ? [(rows + 1) * 4, n * 4, n * 4].map((bytes) => ctx.heap.alloc(Math.max(64, bytes))) : [null];
  const release = () => { for (const b of blocks) if (b !== null) ctx.heap.release(b); };
  if (blocks.some((b) => b === null) || cols === 0) {
    release();
    return { ...winnersFromMask(x.values, mask.values, rows, cols, k), release: () => {} };
  }
  const [pRow, pIdx, pVal] = blocks as number[];
  const buffer = ctx.rt.memory.buffer;
  const s: RowsInWasm = {
    rows, cols,
    rowPtr: new Int32Array(buffer, pRow, rows + 1),
    indices: new Int32Array(buffer, pIdx, n),
    values: new Float32Array(buffer, pVal, n),
    at: { rowPtr: pRow, indices: pIdx, values: pVal },
    release,
  };
  s.rowPtr.set(fixedRowPtr(rows, k));
  ctx.arena.reset();
  const px = place(ctx, x);
  let pm = mask.addr;
  if (pm < 0) {
    pm = ctx.arena.alloc(mask.values.length);
    new Uint8Array(ctx.rt.memory.buffer, pm, mask.values.length).set(mask.values);
  }
  const counts = ctx.arena.alloc(rows * 4);
  const table = ctx.arena.alloc(256);
  new Uint8Array(ctx.rt.memory.buffer, table, 256).set(COMPACT_TABLE);
  const threads = threadsFor(ctx, rows * cols * EXTRACT_WORK);
  const tasks: Task[] = poolRanges(rows, threads).map(([r0, r1]) => [{
    fn: 'sp_extract', args: [px + r0 * cols * 4, pm + r0 * cols, r1 - r0, cols, pRow + r0 * 4, pIdx, pVal, counts + r0 * 4, table],
  }]);
  ctx.rt.run(tasks, 0, threads);
  const got = ctx.rt.i32.subarray(counts / 4, counts / 4 + rows);
  const bad = got.findIndex((c) => c !== k);
  if (bad >= 0) {
    const c = got[bad];
    release();
    throw new ValueError(`winnersFromMask: row ${bad} has ${c} winners, expected k = ${k}`);
  }
  return s;
}

/** The dense [rows, cols] float32 tensor of sparse rows (zeros elsewhere), rows split across the pool. */
export function densifyWasm(ctx: WasmContext, s: SparseRows): TensorInfo {
  checkRowsFromHost('densify', 's', s);
  const { info, out } = output(ctx, [s.rows, s.cols], false);
  if (s.rows * s.cols === 0) return info;
  ctx.arena.reset();
  const p = placeRows(ctx, s);
  densifyInto(ctx, s, p, p.values, out);
  return info;
}

/** Write sparse rows (structure `p`, values at `values`) densely into `out`. */
export function densifyInto(ctx: WasmContext, s: SparseRows, p: PlacedRows, values: number, out: Operand): void {
  const size = s.rows * s.cols;
  const dst = out.addr >= 0 ? out.addr : ctx.arena.alloc(size * 4);
  const threads = threadsFor(ctx, (size + nnz(s)) * EXTRACT_WORK);
  const tasks: Task[] = poolRanges(s.rows, threads).map(([r0, r1]) => [{
    fn: 'sp_densify', args: [r1 - r0, s.cols, p.rowPtr + r0 * 4, p.indices, values, dst + r0 * s.cols * 4],
  }]);
  ctx.rt.run(tasks, 0, threads);
  if (out.addr < 0) out.values.set(ctx.rt.f32.subarray(dst / 4, dst / 4 + size));
}
