import type { DType } from '../dtype.js';
import { Generator } from '../random.js';
import type { Tensor } from '../tensor.js';
import { type HostArray, size } from './naive.js';

/** A host-side input with its dtype. */
export interface HostInput extends HostArray {
  dtype: DType;
}

/**
 * One conformance case: inputs drawn from a seeded generator, the ops run on the active backend,
 * and the expected outputs computed from the definitions (naive.ts) on the same inputs.
 */
export interface ConformanceCase {
  name: string;
  /** Draw the case's inputs from `gen`. */
  inputs(gen: Generator): HostInput[];
  /** Run the ops under test on the active backend. */
  run(xs: Tensor[]): Tensor[];
  /** The expected outputs, computed from the naive definitions on the same inputs. */
  expected(xs: HostInput[]): HostArray[];
}

export const f32 = (values: number[], shape: number[]): HostInput => ({ values, shape, dtype: 'float32' });
export const i32 = (values: number[], shape: number[]): HostInput => ({ values, shape, dtype: 'int32' });

/** A float32 host input of `shape` with values uniform in [lo, hi), drawn from `gen`. */
export function randomInput(gen: Generator, shape: number[], lo = -2, hi = 2): HostInput {
  return f32(Array.from({ length: size(shape) }, () => Math.fround(lo + (hi - lo) * gen.uniform())), shape);
}
