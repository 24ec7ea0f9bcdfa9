import { describe, expect, it } from 'vitest';
import {
  GradientError, clamp, customGrad, exp, gather, memory, mul, noGrad, sum, tensor, tidy, valueAndGrad, zerosLike, type Tensor,
} from '../src/index.js';

const arr = (t: Tensor) => Array.from(t.dataSync());

describe('customGrad', () => {
  it('gives the value of f and the gradient of gradFunc, usable like any op', () => {
    tidy(() => {
      // A straight-through clip: identity forward, gradient clipped to [-1, 1].
      const clipGrad = customGrad((x: Tensor) => ({ value: mul(x, 1), gradFunc: (dy) => [clamp(dy, -1, 1)] }), 'clipGrad');
      const x = tensor([1, 2, 3]).requireGrad();
      const y = clipGrad(x);
      expect(arr(y)).toEqual([1, 2, 3]);
      sum(mul(y, tensor([0.5, -4, 3]))).backward();
      expect(arr(x.grad!)).toEqual([0.5, -1, 1]);
    });
  });

  it('passes gradients on through the rest of the graph, for every input that needs one', () => {
    tidy(() => {
      const op = customGrad((a: Tensor, b: Tensor) => ({ value: mul(a, b), gradFunc: (dy) => [mul(dy, b), mul(dy, a)] }));
      const { grads } = valueAndGrad((a: Tensor, b: Tensor) => sum(exp(op(mul(a, 2), b))))(tensor([0.1, 0.2]), tensor([1, -1]));
      const e = [Math.exp(0.2), Math.exp(-0.4)];
      expect(arr(grads[0])[0]).toBeCloseTo(e[0] * 2 * 1, 5);
      expect(arr(grads[0])[1]).toBeCloseTo(e[1] * 2 * -1, 5);
      expect(arr(grads[1])[0]).toBeCloseTo(e[0] * 0.2, 5);
      expect(arr(grads[1])[1]).toBeCloseTo(e[1] * 0.4, 5);
    });
  });

  it('records nothing for the ops inside f, and nothing at all when no input needs a gradient', () => {
    tidy(() => {
      let inner: Tensor | null = null;
      const op = customGrad((x: Tensor) => {
        inner = mul(x, 3);
        return { value: mul(inner, 2), gradFunc: (dy) => [mul(dy, 6)] };
      }, 'times6');
      const x = tensor([1, 2]).requireGrad();
      const y = op(x);
      expect(inner!.node).toBeNull();
      expect(y.node?.op).toBe('custom');
      expect(op(tensor([1, 2])).requiresGrad).toBe(false);
      expect(noGrad(() => op(x)).requiresGrad).toBe(false);
    });
  });

  it('a value that is an input gets its own handle: the input stays a leaf', () => {
    tidy(() => {
      const identity = customGrad((x: Tensor) => ({ value: x, gradFunc: (dy) => [mul(dy, 2)] }), 'identity');
      const x = tensor([1, 2]).requireGrad();
      const y = identity(x);
      expect(y).not.toBe(x);
      expect(x.node).toBeNull();
      sum(y).backward();
      expect(arr(x.grad!)).toEqual([2, 2]);
    });
  });

  it('takes null for an input without a gradient (an index), as a rule does', () => {
    tidy(() => {
      const pick = customGrad((x: Tensor, i: Tensor) => ({ value: gather(x, i), gradFunc: (dy) => [mul(sum(dy), zerosLike(x).add(1)), null] }), 'pick');
      const x = tensor([5, 6, 7]).requireGrad();
      sum(pick(x, tensor(Int32Array.from([0, 2])))).backward();
      expect(arr(x.grad!)).toEqual([2, 2, 2]);
    });
  });

  it('a wrong gradient fails at the tape, naming the custom op and the input', () => {
    tidy(() => {
      const wrongShape = customGrad((a: Tensor, b: Tensor) => ({ value: mul(a, b), gradFunc: (dy) => [mul(dy, b), sum(dy)] }), 'wrongShape');
      const a = tensor([1, 2]).requireGrad(), b = tensor([3, 4]).requireGrad();
      expect(() => sum(wrongShape(a, b)).backward()).toThrow(GradientError);
      expect(() => sum(wrongShape(a, b)).backward()).toThrow("custom op 'wrongShape': gradient for input 1 has shape [], expected [2]");
      const wrongDType = customGrad((x: Tensor) => ({ value: mul(x, 1), gradFunc: (dy) => [dy.cast('float64')] }), 'wrongDType');
      expect(() => sum(wrongDType(a)).backward()).toThrow("custom op 'wrongDType': gradient for input 0 is float64, expected float32");
      const tooFew = customGrad((x: Tensor, y: Tensor) => ({ value: mul(x, y), gradFunc: (dy) => [dy] }), 'tooFew');
      expect(() => sum(tooFew(a, b)).backward()).toThrow("custom op 'tooFew': gradFunc returned 1 gradient(s) for 2 input(s)");
      const missing = customGrad((x: Tensor) => ({ value: mul(x, 1), gradFunc: () => [null] }), 'missing');
      expect(() => sum(missing(a)).backward()).toThrow(/custom op 'missing': gradient rule returned nothing for input 0/);
      const notOp = customGrad((() => ({ value: 3 })) as never, 'notOp');
      expect(() => notOp(a)).toThrow(/must return \{ value: Tensor, gradFunc/);
    });
  });

  it('leaks nothing over many steps', () => {
    const op = customGrad((x: Tensor) => ({ value: exp(x), gradFunc: (dy) => [mul(dy, exp(x))] }), 'expAgain');
    const x = tensor([0.1, 0.2, 0.3]).requireGrad();
    const step = () => tidy(() => {
      x.zeroGrad();
      sum(op(mul(x, 2))).backward();
    });
    step();
    const before = memory();
    for (let i = 0; i < 50; i++) step();
    expect(memory()).toEqual(before);
  });
});
