import fc from 'fast-check';
import { ValueError } from '../errors.js';
import type { Tensor } from '../tensor.js';
import * as ops from '../ops/index.js';

// fast-check arbitraries for tensors, so a user property-tests an op as
// fc.assert(fc.property(arbitraryTensor({ ... }), (x) => gradcheck(myOp, [x]).ok)).
// They build on fast-check's own arrays and numbers, so a failure shrinks to a small tensor
// (fewer axes, shorter axes, values near zero) and prints with its values.

/** Bounds of a drawn shape. */
export interface ArbitraryShapeOptions {
  /** Number of axes: a fixed rank, or bounds. Default { min: 1, max: 3 }. */
  rank?: number | { min?: number; max?: number };
  /** Bounds of every axis length. Defaults 1 and 4. */
  minDim?: number;
  maxDim?: number;
}

/** What `arbitraryTensor` draws. */
export interface ArbitraryTensorOptions extends ArbitraryShapeOptions {
  /** A fixed shape (rank and dims are then ignored). */
  shape?: readonly number[];
  /** Default 'float64' (what gradcheck works in). */
  dtype?: 'float32' | 'float64' | 'int32';
  /** Value range [min, max]. Default [-2, 2] (integers: [-10, 10]). */
  min?: number;
  max?: number;
  /** Every |value| at least this: away from the kink of relu/abs and the pole of 1/x. */
  awayFromZero?: number;
  /**
   * Values pairwise at least this far apart (true: 0.05, integers 1): no ties for max, sorting,
   * top-k or k-WTA. Values are then drawn on a grid of this step, so they print exactly.
   */
  distinct?: number | boolean;
}

/** A shape within the bounds (shrinks to fewer and shorter axes). */
export function arbitraryShape(options: ArbitraryShapeOptions = {}): fc.Arbitrary<number[]> {
  const rank = typeof options.rank === 'number' ? { min: options.rank, max: options.rank } : options.rank ?? {};
  const minRank = rank.min ?? 1, maxRank = rank.max ?? Math.max(3, minRank);
  const minDim = options.minDim ?? 1, maxDim = options.maxDim ?? Math.max(4, minDim);
  if (!(Number.isInteger(minRank) && minRank >= 0 && Number.isInteger(maxRank) && maxRank >= minRank)) {
    throw new ValueError(`arbitraryShape: rank bounds must be integers 0 <= min <= max, got [${minRank}, ${maxRank}]`);
  }
  if (!(Number.isInteger(minDim) && minDim >= 0 && Number.isInteger(maxDim) && maxDim >= minDim)) {
    throw new ValueError(`arbitraryShape: dim bounds must be integers 0 <= minDim <= maxDim, got [${minDim}, ${maxDim}]`);
  }
  return fc.array(fc.integer({ min: minDim, max: maxDim }), { minLength: minRank, maxLength: maxRank });
}

/**
 * A tensor of a drawn (or fixed) shape with values as the options say. The tensor is made on
 * the active backend when drawn and is not disposed by anyone: draw small ones.
 *
 * @example
 * fc.assert(fc.property(arbitraryTensor({ rank: { max: 2 }, awayFromZero: 0.1 }), (x) => gradcheck(abs, [x]).ok));
 */
export function arbitraryTensor(options: ArbitraryTensorOptions = {}): fc.Arbitrary<Tensor> {
  const dtype = options.dtype ?? 'float64';
  const shapes: fc.Arbitrary<number[]> = options.shape ? fc.constant([...options.shape]) : arbitraryShape(options);
  const element = elements(options, dtype);
  return shapes.chain((shape) => {
    const n = shape.reduce((a, b) => a * b, 1);
    return element(n).map((values) => drawn(values, shape, dtype));
  });
}

/** The values of a tensor of n elements, as the options ask. */
function elements(o: ArbitraryTensorOptions, dtype: 'float32' | 'float64' | 'int32'): (n: number) => fc.Arbitrary<number[]> {
  const integer = dtype === 'int32';
  const min = o.min ?? (integer ? -10 : -2), max = o.max ?? (integer ? 10 : 2);
  const away = o.awayFromZero ?? 0;
  if (!(Number.isFinite(min) && Number.isFinite(max) && min <= max)) throw new ValueError(`arbitraryTensor: range must be finite with min <= max, got [${min}, ${max}]`);
  if (!(away >= 0) || (away > Math.max(Math.abs(min), Math.abs(max)))) throw new ValueError(`arbitraryTensor: awayFromZero ${away} leaves no value in [${min}, ${max}]`);
  const gap = o.distinct === true ? (integer ? 1 : 0.05) : o.distinct || 0;
  if (gap) {
    // Values k * gap on a grid: distinct integers k are values at least gap apart.
    if (!(gap > 0) || (integer && !Number.isInteger(gap))) throw new ValueError(`arbitraryTensor: distinct must be a positive step (an integer for int32), got ${gap}`);
    const [kMin, kMax] = [Math.ceil(min / gap), Math.floor(max / gap)];
    const k = fc.integer({ min: kMin, max: kMax }).filter((i) => Math.abs(i * gap) >= away);
    const near = Math.ceil(away / gap) - 1; // |k| <= near is closer to zero than `away`
    const available = kMax - kMin + 1 - (away > 0 ? Math.max(0, Math.min(kMax, near) - Math.max(kMin, -near) + 1) : 0);
    return (n) => {
      if (n > available) throw new ValueError(`arbitraryTensor: ${n} distinct values ${gap} apart do not fit in [${min}, ${max}]`);
      return fc.uniqueArray(k, { minLength: n, maxLength: n }).map((ks) => ks.map((i) => i * gap));
    };
  }
  const between = (lo: number, hi: number) =>
    integer ? fc.integer({ min: Math.ceil(lo), max: Math.floor(hi) }) : fc.double({ min: lo, max: hi, noNaN: true, noDefaultInfinity: true });
  const parts: fc.Arbitrary<number>[] = [];
  if (away === 0) parts.push(between(min, max));
  else {
    if (min <= -away) parts.push(between(min, Math.min(max, -away)));
    if (max >= away) parts.push(between(Math.max(min, away), max));
  }
  const one = parts.length === 1 ? parts[0] : fc.oneof(...parts);
  const value = dtype === 'float32' ? one.map(Math.fround).filter((v) => v >= min && v <= max && Math.abs(v) >= away) : one;
  return (n) => fc.array(value, { minLength: n, maxLength: n });
}

/** The tensor, printed by fast-check with its values (a shrunk counterexample shows them). */
function drawn(values: number[], shape: number[], dtype: 'float32' | 'float64' | 'int32'): Tensor {
  const array = dtype === 'int32' ? Int32Array.from(values) : dtype === 'float32' ? Float32Array.from(values) : Float64Array.from(values);
  const t = ops.tensor(array, shape, dtype);
  Object.defineProperty(t, fc.toStringMethod, { value: () => `tensor(${JSON.stringify(values)}, [${shape.join(', ')}], '${dtype}')` });
  return t;
}
