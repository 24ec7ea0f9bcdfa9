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
  const mask = new Uint8Array(x.values.length);
  const scratch = makeArray(x.dtype, n);
  for (let r = 0; r < rows; r++) markWinners(x.values, r * n, n, k, scratch, mask, r);
  return [{ values: mask, shape: x.shape, dtype: 'bool' }];
}

export function topk([x]: CpuArray[], { k }: KernelAttrs['topk']): CpuArray[] {
  const n = x.shape[x.shape.length - 1];
  const rows = n === 0 ? 0 : x.values.length / n;
  const indices = new Int32Array(rows * k);
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
    checkFinite(values, off, n, row);
    mask.fill(1, m, m + n);
    return;
  }
  const { t, above, equal } = threshold(values, off, n, k, scratch, row);
  if (above + equal === k) {
    // No tie to break (the usual case for real activations): a branch-free comparison.
    for (let i = 0; i < n; i++) mask[m + i] = +(values[off + i] >= t);
    return;
  }
  let quota = k - above;
  for (let i = 0; i < n; i++) {
    const v = values[off + i];
    if (v > t) mask[m + i] = 1;
    else if (v === t && quota > 0) {
      mask[m + i] = 1;
      quota--;
    }
  }
}

function checkFinite(values: TypedArray, off: number, n: number, row: number): void {
  for (let i = 0; i < n; i++) {
    const v = values[off + i];
    if (v !== v) throw new ValueError(`topk: row ${row} contains NaN at position ${i}; k-WTA needs ordered values`);
  }
}

/** A row's k-th largest value t, and how many of its values are > t and = t. */
interface Threshold {
  t: number;
  above: number;
  equal: number;
}

/** Quickselect over a copy of the row (refusing NaN), then one counting pass. */
function threshold(values: TypedArray, off: number, n: number, k: number, scratch: TypedArray, row: number): Threshold {
  for (let i = 0; i < n; i++) {
    const v = values[off + i];
    if (v !== v) throw new ValueError(`topk: row ${row} contains NaN at position ${i}; k-WTA needs ordered values`);
    scratch[i] = v;
  }
  const t = nthSmallest(scratch.subarray(0, n), n - k);
  let above = 0, equal = 0;
  for (let i = 0; i < n; i++) {
    const v = values[off + i];
    above += +(v > t);
    equal += +(v === t);
  }
  return { t, above, equal };
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
