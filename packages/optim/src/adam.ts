import { ValueError, add, div, maximum, mul, sqrt, sub, type Tensor } from '@kwta/core';
import { Optimizer, checkNonNegative, type ParamState } from './optimizer.js';

/** Options of Adam: learning rate, betas, epsilon, weight decay, AMSGrad. */
export interface AdamOptions {
  lr?: number;
  betas?: [number, number];
  eps?: number;
  weightDecay?: number;
  amsgrad?: boolean;
}

/**
 * Adam with PyTorch's exact rule (torch.optim.Adam); with `decoupled` (AdamW) the weight decay
 * shrinks the parameter, p ← p·(1 − lr·wd), instead of being added to the gradient:
 *   m ← β1·m + (1 − β1)·g,  v ← β2·v + (1 − β2)·g²  (v̂ ← max(v̂, v) with amsgrad)
 *   p ← p − lr/(1 − β1ᵗ) · m / (sqrt(v)/sqrt(1 − β2ᵗ) + eps)
 */
class AdamBase extends Optimizer {
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  amsgrad: boolean;

  constructor(params: Iterable<Tensor>, opts: AdamOptions, name: string, defaultWeightDecay: number, private readonly decoupled: boolean) {
    super(params, opts.lr ?? 1e-3, name);
    [this.beta1, this.beta2] = opts.betas ?? [0.9, 0.999];
    this.eps = opts.eps ?? 1e-8;
    this.weightDecay = opts.weightDecay ?? defaultWeightDecay;
    this.amsgrad = opts.amsgrad ?? false;
    for (const [n, b] of [['betas[0]', this.beta1], ['betas[1]', this.beta2]] as const) {
      if (!(b >= 0 && b < 1)) throw new ValueError(`${name}: ${n} must be in [0, 1), got ${b}`);
    }
    checkNonNegative(name, 'eps', this.eps);
    checkNonNegative(name, 'weightDecay', this.weightDecay);
  }

  protected update(p: Tensor, grad: Tensor, state: ParamState): Tensor {
    let param = p;
    let g = grad;
    if (this.weightDecay !== 0) {
      if (this.decoupled) param = mul(p, 1 - this.lr * this.weightDecay);
      else g = add(grad, mul(p, this.weightDecay));
    }
    const prevM = state.buffers.get('exp_avg');
    const prevV = state.buffers.get('exp_avg_sq');
    const m = this.setBuffer(state, 'exp_avg', prevM ? add(mul(prevM, this.beta1), mul(g, 1 - this.beta1)) : mul(g, 1 - this.beta1));
    const g2 = mul(g, g);
    const v = this.setBuffer(state, 'exp_avg_sq', prevV ? add(mul(prevV, this.beta2), mul(g2, 1 - this.beta2)) : mul(g2, 1 - this.beta2));
    let second = v;
    if (this.amsgrad) {
      const prevMax = state.buffers.get('max_exp_avg_sq');
      second = this.setBuffer(state, 'max_exp_avg_sq', prevMax ? maximum(prevMax, v) : v);
    }
    const t = state.step;
    const stepSize = this.lr / (1 - this.beta1 ** t);
    const denom = add(div(sqrt(second), Math.sqrt(1 - this.beta2 ** t)), this.eps);
    return sub(param, mul(div(m, denom), stepSize));
  }

  protected hyper(): Record<string, number | boolean> {
    return { lr: this.lr, beta1: this.beta1, beta2: this.beta2, eps: this.eps, weightDecay: this.weightDecay, amsgrad: this.amsgrad };
  }
}

/** torch.optim.Adam (L2 weight decay added to the gradient; default 0). */
export class Adam extends AdamBase {
  constructor(params: Iterable<Tensor>, opts: AdamOptions = {}) {
    super(params, opts, 'Adam', 0, false);
  }
}

/** torch.optim.AdamW (decoupled weight decay; default 0.01). */
export class AdamW extends AdamBase {
  constructor(params: Iterable<Tensor>, opts: AdamOptions = {}) {
    super(params, opts, 'AdamW', 0.01, true);
  }
}
