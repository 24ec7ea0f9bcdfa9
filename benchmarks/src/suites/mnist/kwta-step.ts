import { Generator, abs, add, clamp, mul, noGrad, sign, sum, tensor, tidy, valueAndGrad, type Tensor } from '@kwta/core';
import { KWTA, ReLU, crossEntropy, mnistCnn, type MnistCnn, type Module } from '@kwta/nn';
import { SGD } from '@kwta/optim';
import type { KwtaWorkload } from '../../contenders/kwta.js';
import { GAMMA } from '../activation.js';
import type { MnistInit, MnistStepConfig } from './config.js';

/** mnistCnn with its seeded init; with 'kwta' every activation (the four convolutions' and the hidden layer's) is the paper's k-WTA with gamma 0.1. */
function buildModel(cfg: MnistStepConfig, activation: 'relu' | 'kwta'): MnistCnn {
  return mnistCnn({
    gen: new Generator(cfg.seed), hiddenSize: cfg.hidden, channels: cfg.channels, inputSize: cfg.size,
    activation: () => (activation === 'kwta' ? new KWTA({ gamma: GAMMA }) : new ReLU()),
  });
}

/**
 * The step in @kwta/nn + @kwta/optim, as a user writes it: zeroGrad, forward, cross-entropy,
 * backward, SGD (momentum cfg.momentum). The weights are mnistCnn's seeded init either way.
 */
export function kwtaMnistStep(cfg: MnistStepConfig, init: MnistInit, activation: 'relu' | 'kwta'): KwtaWorkload {
  const x = tensor(init.x, [cfg.batch, 1, cfg.size, cfg.size]);
  return sgdStepOf(buildModel(cfg, activation), x, tensor(init.labels, [cfg.batch], 'int32'), cfg.lr, cfg.momentum);
}

/** One SGD step of `model` on the batch (x, labels), as `kwtaMnistStep` times it; the workload owns the model. */
export function sgdStepOf(model: Module, x: Tensor, labels: Tensor, lr: number, momentum: number): KwtaWorkload {
  const optimizer = new SGD(model.parameters(), { lr, momentum });
  const loss = () => crossEntropy(model.forward(x), labels);
  const step = () => {
    optimizer.zeroGrad();
    const l = loss();
    l.backward();
    optimizer.step();
    return l;
  };
  return {
    inputs: [x, labels],
    run: step,
    // The loss at the initial weights (from the step) and after one SGD update (forward only).
    outputs: () => tidy(() => [Float32Array.of(step().item(), noGrad(loss).item())]),
    dispose: () => {
      optimizer.zeroGrad();
      model.dispose();
    },
  };
}

/** The step size of the PGD benchmarks (the same in PyTorch's script). */
export const PGD_STEP = 0.01;

/**
 * One PGD step as an attack takes it: the loss's gradient with respect to the input only (no
 * weight gradient is computed), then x + PGD_STEP · sign(grad), clamped to [0, 1]. Outputs: the
 * loss and the gradient's L1 norm.
 */
export function kwtaPgdStep(cfg: MnistStepConfig, init: MnistInit, activation: 'relu' | 'kwta'): KwtaWorkload {
  const x = tensor(init.x, [cfg.batch, 1, cfg.size, cfg.size]);
  return pgdStepOf(buildModel(cfg, activation), x, tensor(init.labels, [cfg.batch], 'int32'));
}

/** One PGD step on `model` from the batch (x, labels), as `kwtaPgdStep` times it; the workload owns the model. */
export function pgdStepOf(model: Module, x: Tensor, labels: Tensor): KwtaWorkload {
  const lossAndGrad = valueAndGrad((adv: Tensor) => crossEntropy(model.forward(adv), labels));
  const step = () => {
    const { value, grads } = lossAndGrad(x);
    return { value, grad: grads[0], next: clamp(add(x, mul(sign(grads[0]), PGD_STEP)), 0, 1) };
  };
  return {
    inputs: [x, labels],
    run: () => step().next,
    outputs: () => tidy(() => {
      const { value, grad } = step();
      return [Float32Array.of(value.item(), sum(abs(grad)).item())];
    }),
    dispose: () => model.dispose(),
  };
}
