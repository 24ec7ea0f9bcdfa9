import type { KernelAttrs } from '../../backend.js';
import { makeArray, type TypedArray } from '../../dtype.js';
import { ValueError } from '../../errors.js';
import type { CpuArray } from './types.js';

/**
 * Exact per-row top-k by quickselect: find the k-th largest value t, then keep every value > t
 * and the first (k - #{> t}) values equal to t in index order, so ties go to the lower index and
 * exactly k survive. Expected O(n) per row, against O(n log n) for a sort.
 */
export function topkMask([x]: CpuArray[], { k }: KernelAttrs['topkMask']): CpuArray[] {
  const n = x.shape[x.shape.length - 1];
  const rows = n === 0 ? 0 : x.values.length / n;
  const mask = makeArray('bool', x.values.length) as Uint8Array;
  const scratch = makeArray(x.dtype, n);
  for (let r = 0; r < rows; r++) markWinners(x.values, r * n, n, k, scratch, mask, r);
  return [{ values: mask, shape: x.shape, dtype: 'bool' }];
}

export function topk([x]: CpuArray[], { k }: KernelAttrs['topk']): CpuArray[] {
  const n = x.shape[x.shape.length - 1];
  const rows = n === 0 ? 0 : x.values.length / n;
  const indices = makeArray('int32', rows * k) as Int32Array;
  const scratch = makeArray(x.dtype, n);
  const mask = new Uint8Array(n);
  const order: number[] = new Array(k);
  for (let r = 0; r < rows; r++) {
    mask.fill(0);
    markWinners(x.values, r * n, n, k, scratch, mask, r, -r * n);
    let w = 0;
    for (let i = 0; i < n; i++) if (mask[i]) order[w++] = i;
    const row = x.values.subarray(r * n, (r + 1) * n);
    order.sort((a, b) => row[b] - row[a] || a - b);
    for (let j = 0; j < k; j++) indices[r * k + j] = order[j];
  }
  return [{ values: indices, shape: [...x.shape.slice(0, -1), k], dtype: 'int32' }];
}

/** Mark the k winners of values[off, off+n) into mask[off + maskShift, ...). */
function markWinners(
  values: TypedArray, off: number, n: number, k: number,
  scratch: TypedArray, mask: Uint8Array, row: number, maskShift = 0,
): void {
  const m = off + maskShift;
  if (k >= n) {
    copyChecked(values, off, n, scratch, row);
    mask.fill(1, m, m + n);
    return;
  }
  copyChecked(values, off, n, scratch, row);
  const t = nthSmallest(scratch.subarray(0, n), n - k);
  // One branch-free pass marks every value >= t; it is exact unless more values tie with t
  // than there are places left, which the second pass settles in index order.
  let above = 0, equal = 0;
  for (let i = 0; i < n; i++) {
    const v = values[off + i];
    const gt = +(v > t), eq = +(v === t);
    mask[m + i] = gt | eq;
    above += gt;
    equal += eq;
  }
  if (above + equal === k) return;
  let quota = k - above;
  for (let i = 0; i < n; i++) {
    if (values[off + i] !== t) continue;
    mask[m + i] = quota > 0 ? 1 : 0;
    quota--;
  }
}

/** Copy a row into scratch, refusing NaN (k-WTA needs ordered values). */
function copyChecked(values: TypedArray, off: number, n: number, scratch: TypedArray, row: number): void {
  for (let i = 0; i < n; i++) {
    const v = values[off + i];
    if (v !== v) throw new ValueError(`topk: row ${row} contains NaN at position ${i}; k-WTA needs ordered values`);
    scratch[i] = v;
  }
}

/** Hoare-partition quickselect (median of three): the value that would sit at `nth` if sorted. */
export function nthSmallest(a: TypedArray, nth: number): number {
  let lo = 0, hi = a.length - 1;
  while (hi > lo) {
    const mid = (lo + hi) >>> 1;
    const x = a[lo], y = a[mid], z = a[hi];
    const pivot = x < y ? (y < z ? y : x < z ? z : x) : x < z ? x : y < z ? z : y;
    let i = lo, j = hi;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        const t = a[i];
        a[i] = a[j];
        a[j] = t;
        i++;
        j--;
      }
    }
    if (nth <= j) hi = j;
    else if (nth >= i) lo = i;
    else break;
  }
  return a[nth];
}
