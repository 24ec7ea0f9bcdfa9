import { abs, add, div, exp, log, mul, neg, relu, sigmoid } from '../elementwise.js';
import type { DerivedDef } from './types.js';

/** GELU's tanh argument is √(2/π)(x + 0.044715 x³); doubled for the sigmoid form. */
const GELU_A = 2 * Math.sqrt(2 / Math.PI);
const GELU_B = GELU_A * 0.044715;

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
  /**
   * GELU, tanh approximation (PyTorch's `gelu(x, approximate='tanh')`):
   * 0.5 x (1 + tanh(√(2/π)(x + 0.044715 x³))), computed as x · sigmoid(2√(2/π)(x + 0.044715 x³)),
   * the same function (1 + tanh u = 2 sigmoid(2u)) in 6 kernels instead of 9, and without the
   * cancellation of 1 + tanh u for large negative x.
   */
  gelu: {
    compose: (x) => mul(x, sigmoid(mul(x, add(mul(mul(x, x), GELU_B), GELU_A)))),
    reference: (x) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3))),
    floatOnly: true,
    domain: [-4, 4],
    gradInputs: { uniform: [-3, 3] },
  },
} satisfies Record<string, DerivedDef>;

export type DerivedOp = keyof typeof derivedOps;

export const DERIVED_OPS = Object.keys(derivedOps) as DerivedOp[];

export const derivedDef = (op: DerivedOp): DerivedDef => derivedOps[op];
