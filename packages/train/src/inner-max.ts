import { Generator, ValueError, add, noGrad, randn, tidy, valueAndGrad, type Tensor } from '@kwta/core';
import { projectToThreat, randomStart, steepestStep, type ThreatModel } from '@kwta/attacks';

/**
 * Options of adversarial training's inner maximisation (PGD making the training examples): radius, steps,
 * start.
 */
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
 * example, broken or not (Madry et al. 2018; Zhang et al. 2019). The start, step and projection
 * are @kwta/attacks' building blocks, the attacks' own definitions. Returns a tensor with no graph.
 */
export function maximizeInBall(x: Tensor, loss: (xAdv: Tensor) => Tensor, o: InnerMaxOptions): Tensor {
  checkInnerMax('maximizeInBall', o);
  const ball: ThreatModel = { eps: o.eps, norm: 'linf', bounds: [0, 1] };
  return noGrad(() => tidy(() => {
    let xAdv =
      o.start === 'uniform' ? randomStart(x, ball, o.gen, 'uniform')
      : o.start === 'normal' ? projectToThreat(add(x, randn(x.shape, o.gen, { std: 0.001, dtype: x.dtype })), x, ball)
      : projectToThreat(x, x, ball);
    for (let s = 0; s < o.steps; s++) {
      const [g] = valueAndGrad(loss)(xAdv).grads;
      xAdv = projectToThreat(steepestStep(xAdv, g, 'linf', o.stepSize), x, ball);
    }
    return xAdv;
  }));
}
