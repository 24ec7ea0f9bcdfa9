import { tidy } from '../engine.js';
import { ValueError } from '../errors.js';
import { Generator } from '../random.js';
import type { Tensor } from '../tensor.js';
import * as ops from '../ops/index.js';
import { gradcheck, type GradcheckOptions, type GradcheckResult } from './finite-differences.js';

/**
 * What `gradcheckModule` needs of a module (an `@kwta/nn` Module has it): a forward pass on one
 * tensor and its parameters by name. `call` (forward plus hooks) is used when present.
 */
export interface CheckableModule {
  /** The module's forward pass on one tensor. */
  forward(x: Tensor): Tensor;
  /** Forward plus the module's hooks (used instead of `forward` when present). */
  call?(x: Tensor): Tensor;
  /** The module's parameters by name (each is checked as an input of the forward pass). */
  namedParameters(): [string, Tensor][];
}

/** Options of `gradcheckModule`: gradcheck's, plus where the input is drawn. */
export interface GradcheckModuleOptions extends Omit<GradcheckOptions, 'params' | 'wrt'> {
  /** Input values are drawn uniformly from [low, high] with `seed`. Default [-1, 1]. */
  range?: readonly [number, number];
}

/**
 * `gradcheck` for a module: a float64 input of `inputShape` drawn from `seed`, and the gradient
 * of the output with respect to that input and to every parameter (perturbed in place, then put
 * back), so a wrong backward anywhere in the module shows up by parameter name
 * (`worst.tensor` is `input 0` or e.g. `layer1.weight`). The module must hold float64
 * parameters (build it with `dtype: 'float64'`) and be deterministic between calls (Dropout
 * in training mode is not: call `module.eval()` first).
 *
 * @example
 * const r = gradcheckModule(new Linear(3, 2, { gen: new Generator(0), dtype: 'float64' }), [4, 3]);
 * expect(r.ok, r.message).toBe(true);
 */
export function gradcheckModule(module: CheckableModule, inputShape: readonly number[], options: GradcheckModuleOptions = {}): GradcheckResult {
  const [lo, hi] = options.range ?? [-1, 1];
  if (!(hi >= lo)) throw new ValueError(`gradcheckModule: range must be [low, high] with low <= high, got [${lo}, ${hi}]`);
  if (!inputShape.every((d) => Number.isInteger(d) && d >= 0)) throw new ValueError(`gradcheckModule: inputShape must be non-negative integers, got [${inputShape.join(', ')}]`);
  // Its own stream: the input must not repeat the projection gradcheck draws from the same seed.
  const gen = new Generator(((options.seed ?? 0) ^ 0x9e3779b9) >>> 0);
  const size = inputShape.reduce((a, b) => a * b, 1);
  const run = (x: Tensor) => (module.call ? module.call(x) : module.forward(x));
  return tidy(() => {
    const x = ops.tensor(Float64Array.from({ length: size }, () => lo + (hi - lo) * gen.uniform()), inputShape, 'float64');
    return gradcheck(run, [x], { ...options, params: module.namedParameters() });
  });
}
