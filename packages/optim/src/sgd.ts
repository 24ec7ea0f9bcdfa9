import { ValueError, add, mul, sub, type Tensor } from '@kwta/core';
import { Optimizer, checkNonNegative, type ParamState } from './optimizer.js';

export interface SGDOptions {
  lr: number;
  momentum?: number;
  dampening?: number;
  nesterov?: boolean;
  weightDecay?: number;
}

/**
 * Stochastic gradient descent with PyTorch's exact rule (torch.optim.SGD):
 *   g ← grad + weightDecay·p
 *   b ← g on the first step, else momentum·b + (1 − dampening)·g
 *   g ← g + momentum·b (Nesterov) or b
 *   p ← p − lr·g
 */
export class SGD extends Optimizer {
  momentum: number;
  dampening: number;
  nesterov: boolean;
  weightDecay: number;

  constructor(params: Iterable<Tensor>, opts: SGDOptions) {
    super(params, opts.lr, 'SGD');
    this.momentum = opts.momentum ?? 0;
    this.dampening = opts.dampening ?? 0;
    this.nesterov = opts.nesterov ?? false;
    this.weightDecay = opts.weightDecay ?? 0;
    checkNonNegative('SGD', 'momentum', this.momentum);
    checkNonNegative('SGD', 'dampening', this.dampening);
    checkNonNegative('SGD', 'weightDecay', this.weightDecay);
    if (this.nesterov && (this.momentum <= 0 || this.dampening !== 0)) {
      throw new ValueError(`SGD: Nesterov momentum requires momentum > 0 and dampening = 0, got momentum ${this.momentum}, dampening ${this.dampening}`);
    }
  }

  protected update(p: Tensor, grad: Tensor, state: ParamState): Tensor {
    let g = this.weightDecay !== 0 ? add(grad, mul(p, this.weightDecay)) : grad;
    if (this.momentum !== 0) {
      const prev = state.buffers.get('momentum_buffer');
      const buf = this.setBuffer(state, 'momentum_buffer', prev ? add(mul(prev, this.momentum), mul(g, 1 - this.dampening)) : g);
      g = this.nesterov ? add(g, mul(buf, this.momentum)) : buf;
    }
    return sub(p, mul(g, this.lr));
  }

  protected hyper(): Record<string, number | boolean> {
    return { lr: this.lr, momentum: this.momentum, dampening: this.dampening, nesterov: this.nesterov, weightDecay: this.weightDecay };
  }
}
