import type { TensorInfo } from '../../backend.js';
import { DTypeError, ValueError } from '../../errors.js';
import { checkSparseRows, fixedRowPtr, nnz, nonzeroRows, winnersFromMask, type SparseRows } from '../cpu/sparse-rows.js';
import { output, place, poolRanges, threadsFor, type WasmContext } from './context.js';
import { compactTable } from './emit/select.js';
import type { Task } from './runtime.js';
import type { Operand, WasmData } from './storage.js';

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

/** Sparse rows in tensor storage of the backend (`data`: rowPtr, indices, values), or null when the heap has no room. */
function heapRows(ctx: WasmContext, rowPtr: Int32Array, cols: number): (RowsInWasm & { data: WasmData[] }) | null {
  const rows = rowPtr.length - 1, n = rowPtr[rows];
  // Heap views survive memory growth only on a shared memory (as for tensors: `TensorStore.inHeap`).
  if (!ctx.store.inHeap || cols === 0 || n === 0) return null;
  const data = [ctx.store.alloc('int32', rows + 1, false), ctx.store.alloc('int32', n, false), ctx.store.alloc('float32', n, false)];
  const release = () => { for (const d of data) ctx.store.free(d); };
  if (data.some((d) => d.addr < 0)) {
    release();
    return null;
  }
  (data[0].values as Int32Array).set(rowPtr);
  return {
    rows, cols, rowPtr: data[0].values as Int32Array, indices: data[1].values as Int32Array, values: data[2].values as Float32Array,
    at: { rowPtr: data[0].addr, indices: data[1].addr, values: data[2].addr }, release, data,
  };
}

/**
 * Run an extraction kernel (`sp_extract` / `sp_extract_nz`) into `s`, rows split across the
 * pool; refuses, freeing `s`, a row whose count differs from its row pointers' (a mask row
 * without k winners), with the TypeScript kernel's error.
 */
function extractInto(ctx: WasmContext, fn: 'sp_extract' | 'sp_extract_nz', x: number, mask: number, s: RowsInWasm & { data: WasmData[] }): void {
  const { rows, cols, at } = s;
  const counts = ctx.arena.alloc(rows * 4);
  const table = ctx.arena.alloc(256);
  new Uint8Array(ctx.rt.memory.buffer, table, 256).set(COMPACT_TABLE);
  const threads = threadsFor(ctx, rows * cols * EXTRACT_WORK);
  const tasks: Task[] = poolRanges(rows, threads).map(([r0, r1]) => [{
    fn, args: [x + r0 * cols * 4, mask + r0 * cols, r1 - r0, cols, at!.rowPtr + r0 * 4, at!.indices, at!.values, counts + r0 * 4, table],
  }]);
  ctx.rt.run(tasks, 0, threads);
  const got = ctx.rt.i32.subarray(counts / 4, counts / 4 + rows);
  const bad = got.findIndex((c, r) => c !== s.rowPtr[r + 1] - s.rowPtr[r]);
  if (bad >= 0) {
    const c = got[bad], k = s.rowPtr[bad + 1] - s.rowPtr[bad];
    s.release();
    throw new ValueError(`winnersFromMask: row ${bad} has ${c} winners, expected k = ${k}`);
  }
  s.data[0].rows = s.data[1].rows = { rowPtr: s.data[0], cols };
}

/**
 * The winners of a k-WTA ([rows, cols] values x and the `topkMask` kernel's mask) as sparse rows
 * in the wasm heap, rows split across the pool. Bit-identical to `winnersFromMask`; like it,
 * refuses a mask with a row that does not hold exactly k winners. The three arrays are tensor
 * storage of the backend (`data`: rowPtr, indices, values; `release` frees them), the first two
 * marked as rows this kernel checked. When the heap has no room the rows are built on the host
 * by the TypeScript kernel (`data` absent, `release` then does nothing).
 */
export function extractWinnersWasm(ctx: WasmContext, x: Operand, mask: { values: Uint8Array; addr: number }, rows: number, cols: number, k: number): RowsInWasm & { data?: WasmData[] } {
  const s = heapRows(ctx, fixedRowPtr(rows, k), cols);
  if (!s) return { ...winnersFromMask(x.values, mask.values, rows, cols, k), release: () => {} };
  ctx.arena.reset();
  const px = place(ctx, x);
  let pm = mask.addr;
  if (pm < 0) {
    pm = ctx.arena.alloc(mask.values.length);
    new Uint8Array(ctx.rt.memory.buffer, pm, mask.values.length).set(mask.values);
  }
  extractInto(ctx, 'sp_extract', px, pm, s);
  return s;
}

/**
 * The non-zeros of each row of x [rows, cols] (a ReLU's output; NaN counts, ±0 does not) as
 * sparse rows in the wasm heap: one pass counts each row (sp_count_nz), the row pointers are
 * summed on the host, a second pass writes the entries (sp_extract_nz). Bit-identical to
 * `nonzeroRows`; built on the host like it when the heap has no room (`data` absent).
 */
export function extractNonzerosWasm(ctx: WasmContext, x: Operand, rows: number, cols: number): RowsInWasm & { data?: WasmData[] } {
  const host = () => ({ ...nonzeroRows(x.values, rows, cols), release: () => {} });
  if (!ctx.store.inHeap || rows * cols === 0) return host();
  ctx.arena.reset();
  const px = place(ctx, x);
  const counts = ctx.arena.alloc(rows * 4);
  const threads = threadsFor(ctx, rows * cols * EXTRACT_WORK);
  ctx.rt.run(poolRanges(rows, threads).map(([r0, r1]) => [{ fn: 'sp_count_nz', args: [px + r0 * cols * 4, r1 - r0, cols, counts + r0 * 4] }]), 0, threads);
  const rowPtr = new Int32Array(rows + 1);
  const got = ctx.rt.i32;
  for (let r = 0; r < rows; r++) rowPtr[r + 1] = rowPtr[r] + got[counts / 4 + r];
  const s = heapRows(ctx, rowPtr, cols);
  if (!s) return host();
  extractInto(ctx, 'sp_extract_nz', px, 0, s);
  return s;
}

/**
 * Sparse rows given to a wasm kernel as tensors (rowPtr, indices, values; values null when only
 * the pattern is read): in place and unchecked when this backend's `winners` kernel made the
 * pair for this row length, else checked by the kernel (`checkRowsFromHost`) and copied in.
 */
export function rowsFromTensors(ctx: WasmContext, rowPtr: TensorInfo, indices: TensorInfo, values: TensorInfo | null, cols: number): SparseRows & { at?: PlacedRows } {
  const rp = ctx.store.record(rowPtr.dataId), id = ctx.store.record(indices.dataId);
  const v = values ? ctx.store.record(values.dataId) : null;
  const ptr = rp.values as Int32Array, idx = id.values as Int32Array;
  const rows = Math.max(0, ptr.length - 1);
  const made = id.rows?.rowPtr === rp && rp.rows?.rowPtr === rp && id.rows.cols === cols && rp.addr >= 0 && id.addr >= 0;
  const n = ptr[rows] ?? 0;
  const inPlace = made && (v === null || (v.addr >= 0 && v.values.length >= n));
  return {
    rows, cols, rowPtr: ptr, indices: idx,
    // Pattern only: the kernels read no values (in place: none at all; checked: n zeros pass the check).
    values: v ? (v.values as Float32Array) : new Float32Array(inPlace ? 0 : n),
    ...(inPlace ? { at: { rowPtr: rp.addr, indices: id.addr, values: v ? v.addr : id.addr } } : {}),
  };
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
