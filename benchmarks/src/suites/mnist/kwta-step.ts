import { Generator, noGrad, tensor, tidy } from '@kwta/core';
import { KWTA, ReLU, crossEntropy, mnistCnn } from '@kwta/nn';
import { SGD } from '@kwta/optim';
import type { KwtaWorkload } from '../../contenders/kwta.js';
import { GAMMA } from '../activation.js';
import type { MnistInit, MnistStepConfig } from './config.js';

/**
 * The step in @kwta/nn + @kwta/optim, as a user writes it: zeroGrad, forward, cross-entropy,
 * backward, SGD. With 'kwta', every activation (the four convolutions' and the hidden layer's)
 * is the paper's k-WTA with gamma 0.1; the weights are mnistCnn's seeded init either way.
 */
export function kwtaMnistStep(cfg: MnistStepConfig, init: MnistInit, activation: 'relu' | 'kwta'): KwtaWorkload {
  const model = mnistCnn({
    gen: new Generator(cfg.seed), hiddenSize: cfg.hidden, channels: cfg.channels, inputSize: cfg.size,
    activation: () => (activation === 'kwta' ? new KWTA({ gamma: GAMMA }) : new ReLU()),
  });
  const optimizer = new SGD(model.parameters(), { lr: cfg.lr });
  const x = tensor(init.x, [cfg.batch, 1, cfg.size, cfg.size]);
  const labels = tensor(init.labels, [cfg.batch], 'int32');
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
