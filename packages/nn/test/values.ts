import type { Generator } from '@kwta/core';

// Input values for the gradient checks (core's gradcheck, from @kwta/core/testing).

/** Values in random order at least `gap` apart: no ties for k-WTA, LWTA, max or sorting. */
export function distinctValues(gen: Generator, n: number, gap = 0.05): Float64Array {
  const order = Int32Array.from({ length: n }, (_, i) => i);
  gen.shuffle(order);
  return Float64Array.from(order, (r) => (r - n / 2) * gap + 0.2 * gap * gen.uniform());
}

export function uniformValues(gen: Generator, n: number, lo = -1, hi = 1): Float64Array {
  return Float64Array.from({ length: n }, () => lo + (hi - lo) * gen.uniform());
}
