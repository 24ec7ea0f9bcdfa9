import type { Tensor } from '@kwta/core';
import type { ActivationFactory } from '../activations/activation.js';
import { Flatten, Sequential } from '../layers/basic.js';
import { Conv2d } from '../layers/conv2d.js';
import { Linear } from '../layers/linear.js';
import { Module } from '../module.js';
import { MODEL_OPTION_NAMES, checkFactory, positiveInt, resolve, type ModelOptions, type OptionNames } from './common.js';

export interface MnistCnnOptions extends ModelOptions {
  /** Output channels of the four 3x3 convolutions (default [32, 32, 64, 64]). */
  channels?: readonly [number, number, number, number];
  /** Width of the hidden linear layer (default 20000, the paper code's default). */
  hiddenSize?: number;
  /** Activation after the hidden linear layer (default: `activation`); the code's sp2. */
  hiddenActivation?: ActivationFactory;
  /** Input side length (default 28); the two stride-2 convolutions take 28 → 14 → 7. */
  inputSize?: number;
  inChannels?: number;
}

const OPTION_NAMES: OptionNames<MnistCnnOptions> = {
  ...MODEL_OPTION_NAMES, channels: true, hiddenSize: true, hiddenActivation: true, inputSize: true, inChannels: true,
};

/** Side length after a 3x3 convolution with padding 1 and the given stride. */
const convOut = (s: number, stride: number) => Math.floor((s - 1) / stride) + 1;

/**
 * The MNIST CNN of the kWTA repository (`MNIST_CNN` / `SparseMNIST_CNN`): conv3x3 1→32, 32→32
 * stride 2, 32→64, 64→64 stride 2 (all padding 1), flatten 7·7·64, a hidden linear layer, then
 * 10 outputs, each conv and the hidden layer followed by the activation. Parameter names match
 * the repository's (`cnn.0.weight` ... `cnn.11.bias`).
 */
export class MnistCnn extends Module {
  readonly cnn: Sequential;

  constructor(opts: MnistCnnOptions) {
    super();
    const { activation, gen, numClasses, dtype } = resolve('MnistCnn', opts, OPTION_NAMES);
    checkFactory('MnistCnn', 'hiddenActivation', opts.hiddenActivation);
    const ch = opts.channels ?? [32, 32, 64, 64];
    ch.forEach((c, i) => positiveInt('MnistCnn', `channels[${i}]`, c));
    const hidden = positiveInt('MnistCnn', 'hiddenSize', opts.hiddenSize ?? 20000);
    const inChannels = positiveInt('MnistCnn', 'inChannels', opts.inChannels ?? 1);
    const side = convOut(convOut(positiveInt('MnistCnn', 'inputSize', opts.inputSize ?? 28), 2), 2);
    const init = { gen, dtype };
    this.cnn = this.registerModule(
      'cnn',
      new Sequential(
        new Conv2d(inChannels, ch[0], 3, { ...init, padding: 1 }), activation(),
        new Conv2d(ch[0], ch[1], 3, { ...init, padding: 1, stride: 2 }), activation(),
        new Conv2d(ch[1], ch[2], 3, { ...init, padding: 1 }), activation(),
        new Conv2d(ch[2], ch[3], 3, { ...init, padding: 1, stride: 2 }), activation(),
        new Flatten(),
        new Linear(side * side * ch[3], hidden, init), (opts.hiddenActivation ?? activation)(),
        new Linear(hidden, numClasses, init),
      ),
    );
  }

  forward(x: Tensor): Tensor {
    return this.cnn.call(x);
  }
}

/** Build an {@link MnistCnn}. */
export const mnistCnn = (opts: MnistCnnOptions): MnistCnn => new MnistCnn(opts);
