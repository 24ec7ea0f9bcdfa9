import { ValueError } from '@kwta/core';

/** The perturbation set: an L-inf, L2 or L1 ball of radius eps around x, inside [lo, hi]. */
export type Norm = 'linf' | 'l2' | 'l1';

/** Every norm, in the order reports list them. */
export const NORMS: readonly Norm[] = ['linf', 'l2', 'l1'];

/** The perturbation set: radius, norm and the valid input range. */
export interface ThreatModel {
  eps: number;
  norm: Norm;
  /** Valid input range (default [0, 1]); results are clipped into it. */
  bounds: readonly [number, number];
}

/** Throw a ValueError naming `op` unless `norm` is one of `allowed`. */
export function checkNorm(op: string, norm: unknown, allowed: readonly Norm[] = NORMS): asserts norm is Norm {
  if (!allowed.includes(norm as Norm)) {
    throw new ValueError(`${op}: norm must be ${allowed.map((n) => `'${n}'`).join(' or ')}, got '${String(norm)}'`);
  }
}

/**
 * Check eps, norm and bounds; `allowInfinite` for minimum-norm attacks (C&W, DeepFool, FAB),
 * `norms` for attacks defined on some norms only.
 */
export function checkThreat(op: string, t: ThreatModel, allowInfinite = false, norms: readonly Norm[] = NORMS): void {
  if (typeof t.eps !== 'number' || Number.isNaN(t.eps) || t.eps < 0) throw new ValueError(`${op}: eps must be a number >= 0, got ${t.eps}`);
  if (!allowInfinite && !Number.isFinite(t.eps)) throw new ValueError(`${op}: eps must be finite, got ${t.eps}`);
  checkNorm(op, t.norm, norms);
  const [lo, hi] = t.bounds;
  if (!Number.isFinite(lo) || !Number.isFinite(hi) || !(lo < hi)) {
    throw new ValueError(`${op}: bounds must be finite with lo < hi, got [${lo}, ${hi}]`);
  }
}

/** ||a_row - b_row|| over the `len` values at `off` (b's at `bOff`, default the same), computed in float64. */
export function distance(a: ArrayLike<number>, b: ArrayLike<number>, off: number, len: number, norm: Norm, bOff = off): number {
  let acc = 0;
  for (let i = off; i < off + len; i++) {
    const d = Math.abs(a[i] - b[i - off + bOff]);
    if (norm === 'linf') acc = Math.max(acc, d);
    else acc += norm === 'l2' ? d * d : d;
  }
  return norm === 'l2' ? Math.sqrt(acc) : acc;
}

/** The norm of `len` values of v at `off` (distance to zero). */
export function normOf(v: ArrayLike<number>, off: number, len: number, norm: Norm): number {
  let acc = 0;
  for (let i = off; i < off + len; i++) {
    const d = Math.abs(v[i]);
    if (norm === 'linf') acc = Math.max(acc, d);
    else acc += norm === 'l2' ? d * d : d;
  }
  return norm === 'l2' ? Math.sqrt(acc) : acc;
}

/** The dual norm q of p (1/p + 1/q = 1): the norm a linearised step's distance is measured with. */
export const DUAL_NORM: Record<Norm, Norm> = { linf: 'l1', l2: 'l2', l1: 'linf' };
