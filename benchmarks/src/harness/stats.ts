/** Median of a non-empty sample (mean of the two middle values for an even count). */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) throw new RangeError('median: empty sample');
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Largest absolute difference scaled by the reference's largest magnitude. Element-wise relative
 * error blows up on outputs near zero (sums of random products often are), so scale by the whole
 * output instead; NaN anywhere is reported as Infinity so it can never pass a tolerance.
 */
export function maxRelativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) return Infinity;
  let maxDiff = 0;
  let maxRef = 0;
  for (let i = 0; i < expected.length; i++) {
    const d = Math.abs(actual[i] - expected[i]);
    if (Number.isNaN(d)) return Infinity;
    if (d > maxDiff) maxDiff = d;
    const r = Math.abs(expected[i]);
    if (r > maxRef) maxRef = r;
  }
  return maxDiff / Math.max(maxRef, Number.MIN_VALUE);
}

/** Keep `digits` significant digits: enough to be useful, few enough to keep JSON diffs readable. */
export function sig(x: number, digits = 3): number {
  return Number.isFinite(x) && x !== 0 ? Number(x.toPrecision(digits)) : x;
}
