import type { Sample } from '../ops/definitions/index.js';
import type { Generator } from '../random.js';

// Random test inputs for the gradient cases: float64 values away from kinks and ties.

/** A float64 input of a gradient case: its values (row-major) and shape. */
export interface Float64Input {
  values: Float64Array;
  shape: number[];
}

const count = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** A random dimension in [lo, hi]. */
export const dim = (g: Generator, lo = 1, hi = 4): number => lo + g.int(hi - lo + 1);

/** Values with |v| in [lo, hi] and a random sign: away from 0, the kink of relu/abs. */
export function awayFromZero(g: Generator, shape: number[], lo = 0.2, hi = 2): Float64Input {
  return { values: Float64Array.from({ length: count(shape) }, () => (g.uniform() < 0.5 ? -1 : 1) * (lo + (hi - lo) * g.uniform())), shape };
}

export function uniform(g: Generator, shape: number[], lo = -2, hi = 2): Float64Input {
  return { values: Float64Array.from({ length: count(shape) }, () => lo + (hi - lo) * g.uniform()), shape };
}

/** Distinct values at least `gap` apart in random order: no ties for max, pooling, top-k. */
export function distinct(g: Generator, shape: number[], gap = 0.05): Float64Input {
  const n = count(shape);
  const order = Int32Array.from({ length: n }, (_, i) => i);
  g.shuffle(order);
  const offset = -gap * n / 2;
  return { values: Float64Array.from(order, (r) => offset + r * gap + 0.2 * gap * g.uniform()), shape };
}

/** An operand drawn as an op definition's `Sample` says. */
export function sample(g: Generator, shape: number[], s: Sample): Float64Input {
  return 'uniform' in s ? uniform(g, shape, ...s.uniform) : awayFromZero(g, shape, ...s.magnitude);
}

/** Two operands whose elements are all at least `gap` apart (no element on a max/min switch). */
export function apart(g: Generator, sa: number[], sb: number[], gap: number): [Float64Input, Float64Input] {
  const both = distinct(g, [count(sa) + count(sb)], gap);
  return [{ values: both.values.slice(0, count(sa)), shape: sa }, { values: both.values.slice(count(sa)), shape: sb }];
}

/** A random pair of broadcast-compatible shapes. */
export function broadcastPair(g: Generator): [number[], number[]] {
  const rank = dim(g, 1, 3);
  const a = Array.from({ length: rank }, () => dim(g));
  const b = a.map((d) => (g.uniform() < 0.3 ? 1 : d));
  const drop = g.int(rank);
  const bb = b.slice(drop);
  return g.uniform() < 0.5 ? [a, bb] : [bb, a];
}
