import { type HostArray, unravel, strides } from './naive.js';
import { derivedCases, layoutCases, selectionCases } from './cases-layout.js';
import { binaryCases, derivedElementwiseCases, reduceCases, unaryCases } from './cases-elementwise.js';
import { convCases, matmulCases, poolCases } from './cases-linalg.js';
import { nanCases } from './cases-nan.js';
import { sparseCases } from './cases-sparse.js';
import type { ConformanceCase } from './case.js';

export { randomInput, type ConformanceCase, type HostInput } from './case.js';

/**
 * Every conformance case: elementwise, reductions, matmul, convolutions, pooling, layout, selection and
 * derived ops.
 */
export function conformanceCases(): ConformanceCase[] {
  return [
    ...unaryCases(), ...binaryCases(), ...derivedElementwiseCases(), ...reduceCases(), ...matmulCases(), ...convCases(),
    ...poolCases(), ...layoutCases(), ...selectionCases(), ...derivedCases(), ...sparseCases(), ...nanCases(),
  ];
}

/** How closely two results must agree: |a - b| <= atol + rtol * |b|. */
export interface Tolerance {
  rtol: number;
  atol: number;
}

/** float32 kernels against float64 definitions: sums of a few hundred terms. */
export const FLOAT32_TOLERANCE: Tolerance = { rtol: 2e-5, atol: 2e-5 };

/** Compare outputs with expectations; returns a description of the first mismatch or null. */
export function compareOutputs(name: string, got: { values: ArrayLike<number>; shape: readonly number[] }[], want: HostArray[], tol: Tolerance): string | null {
  if (got.length !== want.length) return `${name}: ${got.length} outputs, expected ${want.length}`;
  for (let o = 0; o < want.length; o++) {
    const g = got[o], w = want[o];
    if (g.shape.join(',') !== w.shape.join(',')) return `${name}: output ${o} shape [${g.shape}] expected [${w.shape}]`;
    for (let i = 0; i < w.values.length; i++) {
      const a = Number(g.values[i]), b = w.values[i];
      if (Number.isNaN(b) && Number.isNaN(a)) continue;
      if (!(Math.abs(a - b) <= tol.atol + tol.rtol * Math.abs(b))) {
        return `${name}: output ${o} at ${i} (index [${unravel(i, w.shape)}]) = ${a}, expected ${b}`;
      }
    }
  }
  return null;
}

export { strides };
