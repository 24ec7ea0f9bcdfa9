import { ValueError, sgdUpdate, type Tensor } from '@kwta/core';
import { Optimizer, checkNonNegative, type ParamState } from './optimizer.js';

/** Options of SGD: learning rate, momentum, dampening, Nesterov, weight decay. */
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
 * in one pass over each parameter (core's fused `sgdUpdate`, bit for bit these ops one by one).
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
    const prev = state.buffers.get('momentum_buffer') ?? null;
    const { param, buffer } = sgdUpdate(p, grad, prev, {
      lr: this.lr, momentum: this.momentum, dampening: this.dampening, weightDecay: this.weightDecay, nesterov: this.nesterov,
      // The parameter and its buffer are replaced by the results (assign): no second copy of them.
      inPlace: true,
    });
    if (buffer) this.adoptBuffer(state, 'momentum_buffer', buffer);
    return param;
  }

  protected hyper(): Record<string, number | boolean> {
    return { lr: this.lr, momentum: this.momentum, dampening: this.dampening, nesterov: this.nesterov, weightDecay: this.weightDecay };
  }
}
