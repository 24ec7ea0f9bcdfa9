import {
  Generator, ValueError, add, clamp, maximum, minimum, noGrad, randn, rand, sign, sub, tidy, valueAndGrad, type Tensor,
} from '@kwta/core';

export interface InnerMaxOptions {
  eps: number;
  steps: number;
  stepSize: number;
  /** 'uniform': uniform in the ball (Madry); 'normal': x + 0.001·N(0, 1) (TRADES); 'none'. */
  start: 'uniform' | 'normal' | 'none';
  gen: Generator;
}

export function checkInnerMax(op: string, o: { eps: number; steps: number; stepSize: number }): void {
  if (!(o.eps >= 0) || !Number.isFinite(o.eps)) throw new ValueError(`${op}: eps must be finite and >= 0, got ${o.eps}`);
  if (!Number.isInteger(o.steps) || o.steps < 0) throw new ValueError(`${op}: steps must be a non-negative integer, got ${o.steps}`);
  if (!(o.stepSize >= 0) || !Number.isFinite(o.stepSize)) throw new ValueError(`${op}: stepSize must be finite and >= 0, got ${o.stepSize}`);
}

/**
 * The inner maximisation of adversarial training: L-inf signed gradient ascent on `loss(x')`
 * from a start in the eps-ball around x, projected back onto the ball and [0, 1] each step.
 * Unlike an evaluation attack it never stops early: training wants the last iterate for every
 * example, broken or not (Madry et al. 2018; Zhang et al. 2019). Returns a tensor with no graph.
 */
export function maximizeInBall(x: Tensor, loss: (xAdv: Tensor) => Tensor, o: InnerMaxOptions): Tensor {
  checkInnerMax('maximizeInBall', o);
  return noGrad(() => tidy(() => {
    const lo = maximum(sub(x, o.eps), 0), hi = minimum(add(x, o.eps), 1);
    const project = (t: Tensor) => minimum(maximum(t, lo), hi);
    let xAdv =
      o.start === 'uniform' ? project(add(x, rand(x.shape, o.gen, { low: -o.eps, high: o.eps, dtype: x.dtype })))
      : o.start === 'normal' ? project(add(x, randn(x.shape, o.gen, { std: 0.001, dtype: x.dtype })))
      : x;
    for (let s = 0; s < o.steps; s++) {
      const [g] = valueAndGrad(loss)(xAdv).grads;
      xAdv = project(add(xAdv, sign(g).mul(o.stepSize)));
    }
    return clamp(xAdv, 0, 1);
  }));
}
