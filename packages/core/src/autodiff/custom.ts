import { noGrad } from '../engine.js';
import { GradientError } from '../errors.js';
import { Tensor } from '../tensor.js';
import { runCustom } from './op.js';

/**
 * A custom op's backward: given dy (shaped like the op's value), one gradient per input, in
 * input order (a single tensor when the op has one input). `null` is allowed for an input that
 * takes no gradient (an integer index, a mask); returning it for an input that needs one fails.
 */
export type GradFunc = (dy: Tensor) => Tensor | readonly (Tensor | null)[];

/** What the function given to `customGrad` returns: the op's value and its backward. */
export interface CustomGradResult {
  value: Tensor;
  gradFunc: GradFunc;
}

/**
 * Define an op with its own backward, with TensorFlow.js's `customGrad` shape: `f(...inputs)`
 * returns `{ value, gradFunc }`, and the result is a function usable like any op. `f` runs with
 * recording off (its ops leave nothing on the tape); the value is recorded as one tape node
 * whose rule is `gradFunc`, and the tape checks what it returns as it checks every rule: one
 * gradient per input, each of its input's shape and dtype, or a `GradientError` that names the
 * op (`name`, by default `f`'s own name) and the input.
 *
 * @example
 * // Clip the gradient of the identity to [-1, 1] (a straight-through clip).
 * const clipGrad = customGrad((x: Tensor) => ({ value: x.mul(1), gradFunc: (dy) => [clamp(dy, -1, 1)] }), 'clipGrad');
 */
export function customGrad<A extends Tensor[]>(f: (...inputs: A) => CustomGradResult, name: string = f.name || 'customGrad'): (...inputs: A) => Tensor {
  return (...inputs: A): Tensor => {
    inputs.forEach((x, i) => {
      if (!(x instanceof Tensor)) throw new GradientError(`${name}: input ${i} is not a Tensor`);
    });
    const result = noGrad(() => f(...inputs));
    if (!result || !(result.value instanceof Tensor) || typeof result.gradFunc !== 'function') {
      throw new GradientError(`${name}: the function given to customGrad must return { value: Tensor, gradFunc: (dy) => gradients }`);
    }
    return runCustom(name, inputs, result.value, result.gradFunc);
  };
}
