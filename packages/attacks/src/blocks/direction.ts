import { ValueError } from '@kwta/core';
import type { Norm } from '../threat.js';

/**
 * Fraction of coordinates an L1 step moves (APGD-L1's initial sparsity, Croce & Hein 2021): the
 * steepest L1 direction is a single coordinate, too greedy once it hits the box.
 */
export const L1_SPARSITY = 0.2;

export function checkSparsity(op: string, s: number): void {
  if (!(s > 0 && s <= 1)) throw new ValueError(`${op}: l1Sparsity must be in (0, 1], got ${s}`);
}

/**
 * Steepest-ascent direction of unit norm for the threat's norm, written to out[0..len): sign(g)
 * for L-inf, g / ||g||_2 for L2, and for L1 the sparse step: sign(g) on the coordinates whose
 * |g| is in the top `l1Sparsity` fraction, divided by their count. All zeros for g = 0.
 */
export function ascentDirection(g: ArrayLike<number>, off: number, len: number, norm: Norm, out: Float64Array, l1Sparsity = L1_SPARSITY): void {
  if (norm === 'linf') {
    for (let i = 0; i < len; i++) out[i] = Math.sign(g[off + i]);
    return;
  }
  if (norm === 'l2') {
    let n = 0;
    for (let i = 0; i < len; i++) n += g[off + i] * g[off + i];
    n = Math.sqrt(n);
    for (let i = 0; i < len; i++) out[i] = n > 0 ? g[off + i] / n : 0;
    return;
  }
  const threshold = sparseThreshold(g, off, len, l1Sparsity);
  let count = 0;
  for (let i = 0; i < len; i++) {
    const v = g[off + i];
    out[i] = v !== 0 && Math.abs(v) >= threshold ? Math.sign(v) : 0;
    count += Math.abs(out[i]);
  }
  if (count > 0) for (let i = 0; i < len; i++) out[i] /= count;
}

/** The |g| value at the (1 - fraction) quantile: coordinates at or above it make the sparse step. */
export function sparseThreshold(g: ArrayLike<number>, off: number, len: number, fraction: number): number {
  const mags = new Float64Array(len);
  for (let i = 0; i < len; i++) mags[i] = Math.abs(g[off + i]);
  mags.sort();
  const at = Math.min(len - 1, Math.max(0, Math.floor((1 - fraction) * len)));
  return mags[at];
}
