import { abs, add, div, exp, log, mul, neg, relu } from '../elementwise.js';
import type { DerivedDef } from './types.js';

/**
 * Elementwise ops that are compositions of primitives, not kernels (tinygrad's way): no backend
 * implements them and their gradients come from the primitives' rules, so a new one is this entry
 * and its export. Each costs one kernel per primitive it calls (see docs/architecture.md).
 */
export const derivedOps = {
  square: {
    compose: (x) => mul(x, x),
    reference: (x) => x * x,
    domain: [-2, 2],
    gradInputs: { uniform: [-2, 2] },
  },
  reciprocal: {
    compose: (x) => div(1, x),
    reference: (x) => 1 / x,
    domain: [0.5, 2],
    gradInputs: { magnitude: [0.5, 2] },
  },
  /** log(1 + exp(x)), computed stably as max(x, 0) + log(1 + exp(-|x|)). */
  softplus: {
    compose: (x) => add(relu(x), log(add(exp(neg(abs(x))), 1))),
    reference: (x) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x))),
    floatOnly: true,
    domain: [-4, 4],
    gradInputs: { magnitude: [0.2, 2] },
  },
} satisfies Record<string, DerivedDef>;

export type DerivedOp = keyof typeof derivedOps;

export const DERIVED_OPS = Object.keys(derivedOps) as DerivedOp[];

export const derivedDef = (op: DerivedOp): DerivedDef => derivedOps[op];
