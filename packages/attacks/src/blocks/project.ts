import { ValueError } from '@kwta/core';
import type { Row } from '../iterative.js';
import { distance, type ThreatModel } from '../threat.js';

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
 * Store v at out[i] so that the stored value is no farther from x than v is: rounding to float32
 * may move x + d just outside the ball, and "always inside the ball" must hold exactly. v lies
 * between x and the bounds, so the stored value does too.
 */
function storeTowardX(out: Row, i: number, v: number, x: number): void {
  out[i] = v;
  if (out instanceof Float64Array) return;
  const s = out[i];
  if (Math.abs(s - x) > Math.abs(v - x)) out[i] = nextFloat32(s, x);
}

/**
 * Euclidean projection of the perturbation u onto {d : ||d||_1 <= eps, a_j <= d_j <= b_j}
 * (a_j <= 0 <= b_j): d_j = sign(u_j) * clip(|u_j| - lambda, 0, cap_j), cap_j the box's room in
 * u_j's direction, with the smallest lambda >= 0 that brings ||d||_1 to eps. The sum is
 * piecewise linear in lambda; one sorted sweep over its breakpoints finds lambda exactly.
 */
export function projectL1Box(u: ArrayLike<number>, a: ArrayLike<number>, b: ArrayLike<number>, eps: number, out: Float64Array): void {
  const n = u.length;
  const mag = new Float64Array(n);
  const cap = new Float64Array(n);
  let total = 0;
  for (let j = 0; j < n; j++) {
    mag[j] = Math.abs(u[j]);
    cap[j] = Math.max(0, u[j] > 0 ? b[j] : -a[j]);
    total += Math.min(mag[j], cap[j]);
  }
  let lambda = 0;
  if (total > eps) {
    // Each term is cap_j for lambda <= |u_j| - cap_j, then falls with slope -1 until |u_j|.
    const events: { at: number; slope: number }[] = [];
    for (let j = 0; j < n; j++) {
      if (mag[j] === 0 || cap[j] === 0) continue;
      events.push({ at: Math.max(mag[j] - cap[j], 0), slope: -1 }, { at: mag[j], slope: 1 });
    }
    events.sort((p, q) => p.at - q.at);
    let at = 0;
    let f = total;
    let slope = 0;
    lambda = events.length ? events[events.length - 1].at : 0;
    for (const e of events) {
      const next = f + slope * (e.at - at);
      if (next <= eps && slope < 0) {
        lambda = at + (f - eps) / -slope;
        break;
      }
      f = next;
      at = e.at;
      slope += e.slope;
    }
  }
  for (let j = 0; j < n; j++) out[j] = Math.sign(u[j]) * Math.min(Math.max(mag[j] - lambda, 0), cap[j]);
}

/**
 * The float64 perturbation taking `src` (one row) onto the threat set at radius `eps` around
 * x's row at `off` (no rounding yet).
 */
function projectedDelta(src: ArrayLike<number>, x: ArrayLike<number>, off: number, len: number, t: ThreatModel, eps: number, d: Float64Array): void {
  const [lo, hi] = t.bounds;
  if (t.norm === 'linf') {
    for (let j = 0; j < len; j++) {
      const xj = x[off + j];
      d[j] = Math.min(Math.max(src[j], Math.max(lo, xj - eps)), Math.min(hi, xj + eps)) - xj;
    }
    return;
  }
  if (t.norm === 'l2') {
    // Scale into the ball, then clip into the bounds: clipping moves every coordinate towards x
    // (x is inside the bounds), so the result stays inside the ball (AutoAttack's APGD does the same).
    let sq = 0;
    for (let j = 0; j < len; j++) sq += (src[j] - x[off + j]) ** 2;
    const n = Math.sqrt(sq);
    const scale = n > eps ? eps / n : 1;
    for (let j = 0; j < len; j++) {
      const xj = x[off + j];
      d[j] = Math.min(Math.max(xj + (src[j] - xj) * scale, lo), hi) - xj;
    }
    return;
  }
  const u = new Float64Array(len);
  const a = new Float64Array(len);
  const b = new Float64Array(len);
  for (let j = 0; j < len; j++) {
    const xj = x[off + j];
    u[j] = src[j] - xj;
    a[j] = lo - xj;
    b[j] = hi - xj;
  }
  projectL1Box(u, a, b, eps, d);
}

/**
 * Project row `r` of `adv` onto the threat set around the same row of `x`, in place: the ball of
 * the threat's norm intersected with the bounds (L-inf: a box; L2: scale then clip; L1: the exact
 * Euclidean projection onto the L1 ball intersected with the box). The stored values satisfy
 * distance <= eps exactly, also after rounding to float32.
 */
export function projectRow(adv: Row, x: ArrayLike<number>, r: number, len: number, t: ThreatModel): void {
  projectAt(adv, r * len, x, r * len, len, t, `row ${r}`);
}

/** projectRow for a lone row (`row` holds one row of `len` values) against x's row `xRow`. */
export function projectOnto(row: Row, x: ArrayLike<number>, xRow: number, len: number, t: ThreatModel): void {
  projectAt(row, 0, x, xRow * len, len, t, `row ${xRow}`);
}

function projectAt(adv: Row, aOff: number, x: ArrayLike<number>, xOff: number, len: number, t: ThreatModel, where: string): void {
  for (let j = aOff; j < aOff + len; j++) {
    if (!Number.isFinite(adv[j])) throw new ValueError(`projectRow: non-finite value ${adv[j]} in ${where} of the adversarial iterate (NaN or infinite logits or gradients from the model?)`);
  }
  const d = new Float64Array(len);
  const source = adv.slice(aOff, aOff + len);
  for (let attempt = 0; attempt < 12; attempt++) {
    // Float rounding of sums can leave the norm an ulp above eps: retry a hair smaller.
    const eps = attempt === 0 ? t.eps : t.eps * (1 - 2 ** (attempt - 40));
    projectedDelta(source, x, xOff, len, t, eps, d);
    for (let j = 0; j < len; j++) storeTowardX(adv, aOff + j, x[xOff + j] + d[j], x[xOff + j]);
    if (distance(adv, x, aOff, len, t.norm, xOff) <= t.eps) return;
  }
  for (let j = 0; j < len; j++) adv[aOff + j] = x[xOff + j];
}

/** Whether row `r` of `adv` lies in the threat set around x (finite, inside the bounds and the ball). */
export function insideThreat(adv: ArrayLike<number>, x: ArrayLike<number>, r: number, len: number, t: ThreatModel): boolean {
  const off = r * len;
  const [lo, hi] = t.bounds;
  for (let j = off; j < off + len; j++) if (!(adv[j] >= lo && adv[j] <= hi)) return false;
  return distance(adv, x, off, len, t.norm) <= t.eps;
}
