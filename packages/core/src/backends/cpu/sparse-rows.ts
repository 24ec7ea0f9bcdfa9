import { ShapeError, ValueError } from '../../errors.js';
import type { FloatArray } from './types.js';

/**
 * A row-sparse matrix [rows, cols] in compressed-row form: row r holds the entries
 * rowPtr[r] .. rowPtr[r+1] of `indices` (columns, strictly ascending) and `values`.
 *
 * The winners of a k-WTA are the case this is built for: every row has exactly k entries, so
 * rowPtr[r] = r·k and a kernel can size its work before it starts. The row pointers cost nothing
 * in the kernels and let the same kernels take rows of different lengths (a ReLU's zeros, a
 * gradient's non-zeros).
 */
export interface SparseRows {
  rows: number;
  cols: number;
  rowPtr: Int32Array;
  indices: Int32Array;
  values: FloatArray;
}

/**
 * Refuse sparse rows a kernel would misread: row pointers that do not start at 0, run backwards
 * or past the arrays, or a row whose indices are not strictly ascending within [0, cols). The
 * kernels index memory with these numbers, so a bad entry would be a silent wrong answer (or,
 * in wasm, a write into another tensor). `name`: the argument, for the message.
 */
export function checkSparseRows(op: string, name: string, s: SparseRows): void {
  const { rows, cols, rowPtr, indices, values } = s;
  if (!(Number.isInteger(rows) && rows >= 0 && Number.isInteger(cols) && cols >= 0)) {
    throw new ShapeError(`${op}: ${name} must be rows x cols with non-negative integers, got ${rows} x ${cols}`);
  }
  if (rowPtr.length !== rows + 1 || rowPtr[0] !== 0) {
    throw new ShapeError(`${op}: ${name}.rowPtr must hold ${rows + 1} offsets starting at 0, got ${rowPtr.length} starting at ${rowPtr[0]}`);
  }
  const n = rowPtr[rows];
  if (indices.length < n || values.length < n) {
    throw new ShapeError(`${op}: ${name} has ${n} entries by its rowPtr, but ${indices.length} indices and ${values.length} values`);
  }
  for (let r = 0; r < rows; r++) {
    if (rowPtr[r + 1] < rowPtr[r]) throw new ValueError(`${op}: ${name}.rowPtr decreases at row ${r} (${rowPtr[r]} then ${rowPtr[r + 1]})`);
    for (let e = rowPtr[r], prev = -1; e < rowPtr[r + 1]; prev = indices[e++]) {
      const i = indices[e];
      if (!(i > prev && i < cols)) throw new ValueError(`${op}: ${name} row ${r} has index ${i} at entry ${e}; indices must ascend strictly within [0, ${cols})`);
    }
  }
}

/** Entries stored (rowPtr[rows]). */
export function nnz(s: SparseRows): number {
  return s.rowPtr[s.rows];
}

/** rowPtr for `rows` rows of exactly k entries. */
export function fixedRowPtr(rows: number, k: number): Int32Array {
  const p = new Int32Array(rows + 1);
  for (let r = 0; r <= rows; r++) p[r] = r * k;
  return p;
}

/**
 * The winners of a k-WTA as sparse rows: the entries of x [rows, cols] where `mask` (the
 * `topkMask` kernel's output) is set, in index order. Every row must hold exactly k of them (a
 * mask that does not is refused: a kernel sized for k would read garbage).
 */
export function winnersFromMask(x: FloatArray, mask: Uint8Array, rows: number, cols: number, k: number): SparseRows {
  if (x.length !== rows * cols || mask.length !== rows * cols) {
    throw new ShapeError(`winnersFromMask: x has ${x.length} and mask ${mask.length} elements, expected ${rows} x ${cols}`);
  }
  const indices = new Int32Array(rows * k);
  const values = new (x.constructor as Float32ArrayConstructor | Float64ArrayConstructor)(rows * k);
  for (let r = 0, w = 0; r < rows; r++) {
    let count = 0;
    for (let o = r * cols, end = o + cols; o < end; o++) count += mask[o] !== 0 ? 1 : 0;
    if (count !== k) throw new ValueError(`winnersFromMask: row ${r} has ${count} winners, expected k = ${k}`);
    for (let i = 0, o = r * cols; i < cols; i++, o++) {
      if (mask[o] === 0) continue;
      indices[w] = i;
      values[w++] = x[o];
    }
  }
  return { rows, cols, rowPtr: fixedRowPtr(rows, k), indices, values };
}

/** The non-zero entries of a dense [rows, cols] matrix (NaN counts as non-zero, ±0 does not). */
export function nonzeroRows(x: FloatArray, rows: number, cols: number): SparseRows {
  if (x.length !== rows * cols) throw new ShapeError(`nonzeroRows: ${x.length} elements, expected ${rows} x ${cols}`);
  const rowPtr = new Int32Array(rows + 1);
  for (let r = 0; r < rows; r++) {
    let c = 0;
    for (let o = r * cols, end = o + cols; o < end; o++) c += x[o] !== 0 ? 1 : 0;
    rowPtr[r + 1] = rowPtr[r] + c;
  }
  const indices = new Int32Array(rowPtr[rows]);
  const values = new (x.constructor as Float32ArrayConstructor | Float64ArrayConstructor)(rowPtr[rows]);
  for (let r = 0, w = 0; r < rows; r++) {
    for (let i = 0, o = r * cols; i < cols; i++, o++) {
      if (x[o] === 0) continue;
      indices[w] = i;
      values[w++] = x[o];
    }
  }
  return { rows, cols, rowPtr, indices, values };
}

/**
 * The transpose as sparse rows (compressed columns of `s`): row j lists the rows of `s` holding
 * column j, ascending. A counting sort, stable, so the order (and every sum taken in it) depends
 * only on the data.
 */
export function transposeRows(s: SparseRows): SparseRows {
  const n = nnz(s);
  const rowPtr = new Int32Array(s.cols + 1);
  for (let e = 0; e < n; e++) rowPtr[s.indices[e] + 1]++;
  for (let j = 0; j < s.cols; j++) rowPtr[j + 1] += rowPtr[j];
  const next = rowPtr.slice(0, s.cols);
  const indices = new Int32Array(n);
  const values = new (s.values.constructor as Float32ArrayConstructor | Float64ArrayConstructor)(n);
  for (let r = 0; r < s.rows; r++) {
    for (let e = s.rowPtr[r]; e < s.rowPtr[r + 1]; e++) {
      const w = next[s.indices[e]]++;
      indices[w] = r;
      values[w] = s.values[e];
    }
  }
  return { rows: s.cols, cols: s.rows, rowPtr, indices, values };
}

/** The dense [rows, cols] matrix: zeros except at the stored entries. */
export function densify(s: SparseRows): FloatArray {
  const out = new (s.values.constructor as Float32ArrayConstructor | Float64ArrayConstructor)(s.rows * s.cols);
  for (let r = 0; r < s.rows; r++) {
    for (let e = s.rowPtr[r]; e < s.rowPtr[r + 1]; e++) out[r * s.cols + s.indices[e]] = s.values[e];
  }
  return out;
}

/** Values at the positions of `s`'s entries, scattered into a dense [rows, cols] matrix (zeros elsewhere). */
export function scatterRows(s: SparseRows, values: FloatArray): FloatArray {
  return densify({ ...s, values });
}
