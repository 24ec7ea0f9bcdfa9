import { ValueError } from '@kwta/core';

/** The normal quantile of a two-sided 95% interval (Φ⁻¹(0.975)). */
export const Z95 = 1.959963984540054;

/** A confidence interval for a proportion, as fractions in [0, 1]. */
export interface Interval {
  low: number;
  high: number;
}

/**
 * Wilson's score interval (Wilson 1927) for `successes` out of `n`: the proportions p whose
 * score test |p̂ - p| / sqrt(p(1-p)/n) <= z does not reject. Unlike the normal (Wald) interval it
 * stays inside [0, 1] and is not empty at 0% or 100%, which robust accuracies often are.
 * statsmodels' proportion_confint(method='wilson') computes the same interval.
 */
export function wilson(successes: number, n: number, z = Z95): Interval {
  if (!Number.isInteger(n) || n < 1) throw new ValueError(`wilson: n must be a positive integer, got ${n}`);
  if (!Number.isInteger(successes) || successes < 0 || successes > n) throw new ValueError(`wilson: successes must be an integer in [0, ${n}], got ${successes}`);
  if (!(z > 0) || !Number.isFinite(z)) throw new ValueError(`wilson: z must be a positive finite number, got ${z}`);
  const p = successes / n;
  const z2 = z * z;
  const denominator = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denominator;
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denominator;
  // At 0 and n the formula gives exactly 0 and 1 up to rounding; clamp the rounding away.
  return { low: successes === 0 ? 0 : Math.max(0, centre - half), high: successes === n ? 1 : Math.min(1, centre + half) };
}

/**
 * Newcombe's hybrid score interval (Newcombe 1998, method 10) for the difference of two
 * proportions, `k1 / n1 - k2 / n2`, from independent samples: each proportion's Wilson interval
 * bounds the difference, d - sqrt((p1 - l1)^2 + (u2 - p2)^2) to d + sqrt((u1 - p1)^2 + (p2 - l2)^2).
 * It stays inside [-1, 1] and is not empty when both proportions are 0 or 1. statsmodels'
 * confint_proportions_2indep(method='newcomb') computes the same interval.
 */
export function newcombeDifference(k1: number, n1: number, k2: number, n2: number, z = Z95): Interval {
  const a = wilson(k1, n1, z), b = wilson(k2, n2, z);
  const p1 = k1 / n1, p2 = k2 / n2, d = p1 - p2;
  return { low: Math.max(-1, d - Math.hypot(p1 - a.low, b.high - p2)), high: Math.min(1, d + Math.hypot(a.high - p1, p2 - b.low)) };
}
