import { ValueError } from '@kwta/core';

/** The perturbation set: an L-inf or L2 ball of radius eps around x, inside [lo, hi]. */
export type Norm = 'linf' | 'l2';

export interface ThreatModel {
  eps: number;
  norm: Norm;
  /** Valid input range (default [0, 1]); results are clipped into it. */
  bounds: readonly [number, number];
}

/** Check eps, norm and bounds; `allowInfinite` for minimum-norm attacks (C&W, DeepFool). */
export function checkThreat(op: string, t: ThreatModel, allowInfinite = false): void {
  if (typeof t.eps !== 'number' || Number.isNaN(t.eps) || t.eps < 0) throw new ValueError(`${op}: eps must be a number >= 0, got ${t.eps}`);
  if (!allowInfinite && !Number.isFinite(t.eps)) throw new ValueError(`${op}: eps must be finite, got ${t.eps}`);
  if (t.norm !== 'linf' && t.norm !== 'l2') throw new ValueError(`${op}: norm must be 'linf' or 'l2', got '${String(t.norm)}'`);
  const [lo, hi] = t.bounds;
  if (!Number.isFinite(lo) || !Number.isFinite(hi) || !(lo < hi)) {
    throw new ValueError(`${op}: bounds must be finite with lo < hi, got [${lo}, ${hi}]`);
  }
}

/** ||a_row - b_row|| over the `len` values at `off`, computed in float64. */
export function distance(a: ArrayLike<number>, b: ArrayLike<number>, off: number, len: number, norm: Norm): number {
  let acc = 0;
  for (let i = off; i < off + len; i++) {
    const d = Math.abs(a[i] - b[i]);
    acc = norm === 'linf' ? Math.max(acc, d) : acc + d * d;
  }
  return norm === 'linf' ? acc : Math.sqrt(acc);
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The neighbouring float32 of v (itself a float32) in the direction of `toward`. */
function nextFloat32(v: number, toward: number): number {
  if (v === toward) return v;
  f32[0] = v;
  if (v === 0) u32[0] = 1 | (toward < 0 ? 0x80000000 : 0);
  else if (v < toward === v > 0) u32[0] += 1;
  else u32[0] -= 1;
  return f32[0];
}

/**
 * Store v (already inside [a, b], an interval holding x) so that the stored value is still in
 * [a, b] after rounding to the array's precision: rounding x + eps to float32 may land just
 * outside the ball, and "always inside the ball" must hold exactly.
 */
function storeWithin(out: Float32Array | Float64Array, i: number, v: number, a: number, b: number, x: number): void {
  out[i] = v;
  if (out instanceof Float64Array) return;
  let s = out[i];
  for (let guard = 0; (s < a || s > b) && guard < 4; guard++) s = nextFloat32(s, x);
  out[i] = s < a || s > b ? x : s;
}

/**
 * Project row `r` of `adv` onto the threat set around the same row of `x`, in place. L-inf is
 * exact (a box); for L2 we scale into the ball and then clip into the bounds, which stays inside
 * the ball because clipping moves every coordinate towards x (x is inside the bounds).
 */
export function projectRow(adv: Float32Array | Float64Array, x: ArrayLike<number>, r: number, len: number, t: ThreatModel): void {
  const [lo, hi] = t.bounds;
  const off = r * len;
  for (let i = off; i < off + len; i++) {
    if (!Number.isFinite(adv[i])) throw new ValueError(`projectRow: non-finite value ${adv[i]} in row ${r} of the adversarial iterate (NaN or infinite logits or gradients from the model?)`);
  }
  if (t.norm === 'linf') {
    for (let i = off; i < off + len; i++) {
      const a = Math.max(lo, x[i] - t.eps);
      const b = Math.min(hi, x[i] + t.eps);
      storeWithin(adv, i, Math.min(Math.max(adv[i], a), b), a, b, x[i]);
    }
    return;
  }
  let scale = 1;
  for (let attempt = 0; attempt < 8; attempt++) {
    const n = distance(adv, x, off, len, 'l2');
    if (n <= t.eps) {
      for (let i = off; i < off + len; i++) storeWithin(adv, i, Math.min(Math.max(adv[i], lo), hi), lo, hi, x[i]);
      if (distance(adv, x, off, len, 'l2') <= t.eps) return;
    }
    // Shrink a little more on every retry so float32 rounding cannot keep us outside.
    scale = n > 0 ? (t.eps / n) * (1 - 1e-6 * 2 ** attempt) : 0;
    for (let i = off; i < off + len; i++) adv[i] = x[i] + (adv[i] - x[i]) * scale;
  }
  for (let i = off; i < off + len; i++) adv[i] = x[i];
}

/** Steepest-ascent direction for the norm: sign(g) for L-inf, g / ||g||_2 for L2 (0 for g = 0). */
export function ascentDirection(g: ArrayLike<number>, off: number, len: number, norm: Norm, out: Float64Array): void {
  if (norm === 'linf') {
    for (let i = 0; i < len; i++) out[i] = Math.sign(g[off + i]);
    return;
  }
  let n = 0;
  for (let i = 0; i < len; i++) n += g[off + i] * g[off + i];
  n = Math.sqrt(n);
  for (let i = 0; i < len; i++) out[i] = n > 0 ? g[off + i] / n : 0;
}
