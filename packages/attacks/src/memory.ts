import { ValueError, memory, tidy } from '@kwta/core';

/**
 * Bytes of live tensors one model call of an attack may hold (forward, or forward and backward):
 * 512 MiB unless `run(..., { memoryBudget })` (or the harness's option) says otherwise. Calls on
 * more rows than fit run in chunks with the same results. A fixed default: core does not yet
 * say how much memory its backend may use.
 */
export const DEFAULT_MEMORY_BUDGET = 512 * 2 ** 20;

export function checkMemoryBudget(op: string, bytes: number): void {
  if (!(bytes > 0)) throw new ValueError(`${op}: memoryBudget must be a number of bytes > 0 (or Infinity), got ${bytes}`);
}

/** Live tensor bytes `compute` leaves behind inside a tidy scope: everything it allocated, kept to the end (an upper bound on its peak). */
export function bytesOf(compute: () => void): number {
  return tidy(() => {
    const before = memory().numBytes;
    compute();
    return memory().numBytes - before;
  });
}

/**
 * How many rows one call may take under `budget` bytes, measured: the call on one row and on
 * two gives its bytes per row and its fixed part (weights transposed for a backward pass, say).
 * At least 1 (a budget below one row's cost cannot be met by chunking).
 */
export function rowsWithin(budget: number, probe: (rows: 1 | 2) => number): number {
  if (budget === Infinity) return Infinity;
  const one = probe(1), two = probe(2);
  const perRow = Math.max(1, two - one);
  const fixed = Math.max(0, one - perRow);
  return Math.max(1, Math.floor((budget - fixed) / perRow));
}

/** Rows laid out one after another, in the input's dtype or float64. */
export type PackedRows = Float32Array | Float64Array;

/**
 * One chunk of a call: its examples, their packed rows, and its first row's place in the call
 * (-1: a measuring run, record nothing). It runs inside a tidy scope owned by ChunkedCalls, so
 * its tensors live until it returns (what the measurement sees); it must not open its own.
 */
export type ChunkCompute = (indices: number[], packed: PackedRows, r0: number) => void;

/**
 * An attack run's model calls (forwards, gradients) split into chunks of rows that fit the
 * memory budget. Rows are independent, so chunked results equal one unchunked call. How many
 * rows fit is measured once per run, per model function and kind of call.
 */
export class ChunkedCalls {
  private readonly rows = new Map<unknown, Map<string, number>>();

  constructor(
    readonly budget: number,
    readonly rowLen: number,
  ) {}

  /**
   * `compute` over the rows of `indices` (packed one after another in `packed`), chunk by chunk
   * in order. Calls on one or two rows are neither measured nor split.
   */
  inChunks(fn: unknown, kind: string, indices: readonly number[], packed: PackedRows, compute: ChunkCompute): void {
    const len = this.rowLen;
    const per = indices.length <= 2 ? indices.length : this.rowsPerCall(fn, kind, indices[0], packed.subarray(0, len), compute);
    for (let r0 = 0; r0 < indices.length; r0 += per) {
      const r1 = Math.min(indices.length, r0 + per);
      tidy(() => compute(indices.slice(r0, r1), packed.subarray(r0 * len, r1 * len), r0));
    }
  }

  /**
   * How many rows one call of `kind` through `fn` may take: measured by `compute` on one and on
   * two copies of example `index`'s `row` (with r0 = -1: nothing recorded, nothing counted).
   */
  rowsPerCall(fn: unknown, kind: string, index: number, row: PackedRows, compute: ChunkCompute): number {
    let byKind = this.rows.get(fn);
    if (!byKind) this.rows.set(fn, (byKind = new Map()));
    const known = byKind.get(kind);
    if (known !== undefined) return known;
    const rows = rowsWithin(this.budget, (k) => {
      const copies = new (row.constructor as Float64ArrayConstructor)(k * this.rowLen);
      for (let c = 0; c < k; c++) copies.set(row, c * this.rowLen);
      return bytesOf(() => compute(new Array<number>(k).fill(index), copies, -1));
    });
    byKind.set(kind, rows);
    return rows;
  }
}
