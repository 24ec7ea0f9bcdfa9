import type { Tensor } from '@kwta/core';
import { Flatten, Sequential } from '../layers/basic.js';
import { BatchNorm2d } from '../layers/batchnorm.js';
import { Conv2d } from '../layers/conv2d.js';
import { Dropout } from '../layers/dropout.js';
import { Linear } from '../layers/linear.js';
import { MaxPool2d } from '../layers/pool.js';
import { Module } from '../module.js';
import { MODEL_OPTION_NAMES, heNormalConvInit, positiveInt, resolve, type ModelOptions, type OptionNames } from './common.js';

/** VGG-19's configuration 'E' in units of the base width (64): numbers are multiples, 'M' a pool. */
const VGG19: readonly (number | 'M')[] = [1, 1, 'M', 2, 2, 'M', 4, 4, 4, 4, 'M', 8, 8, 8, 8, 'M', 8, 8, 8, 8, 'M'];

export interface VggOptions extends ModelOptions {
  /** Channels of the first stage (default 64); later stages use 2w, 4w, 8w. */
  width?: number;
  /** Dropout probability in the classifier (default 0.5, as nn.Dropout()). */
  dropout?: number;
}

const OPTION_NAMES: OptionNames<VggOptions> = { ...MODEL_OPTION_NAMES, width: true, dropout: true };

/**
 * VGG-19 with BatchNorm for 32x32 inputs, as the kWTA code's `vgg19_bn` (the paper's black-box
 * source model): `features` = [conv3x3, BN, act] blocks and 5 max-pools (32 → 1), `classifier`
 * = Dropout, Linear(512, 512), act, Dropout, Linear(512, 512), act, Linear(512, classes).
 * 20,565,834 parameters with 10 classes; conv weights re-initialized as that code does.
 */
export class Vgg extends Module {
  readonly features: Sequential;
  readonly flatten: Flatten;
  readonly classifier: Sequential;

  constructor(opts: VggOptions) {
    super();
    const { activation, gen, numClasses, dtype } = resolve('Vgg', opts, OPTION_NAMES);
    const w = positiveInt('Vgg', 'width', opts.width ?? 64);
    const init = { gen, dtype };
    this.features = this.registerModule('features', new Sequential());
    let inChannels = 3;
    for (const v of VGG19) {
      if (v === 'M') {
        this.features.append(new MaxPool2d({ kernelSize: 2, stride: 2 }));
        continue;
      }
      this.features.append(new Conv2d(inChannels, v * w, 3, { ...init, padding: 1 })).append(new BatchNorm2d(v * w, { dtype })).append(activation());
      inChannels = v * w;
    }
    this.flatten = this.registerModule('flatten', new Flatten());
    const p = opts.dropout ?? 0.5;
    const hidden = 8 * w;
    this.classifier = this.registerModule(
      'classifier',
      new Sequential(
        new Dropout({ p, gen: gen.fork() }), new Linear(inChannels, hidden, init), activation(),
        new Dropout({ p, gen: gen.fork() }), new Linear(hidden, hidden, init), activation(),
        new Linear(hidden, numClasses, init),
      ),
    );
    heNormalConvInit(this, gen, { zeroLinearBias: false });
  }

  forward(x: Tensor): Tensor {
    return this.classifier.call(this.flatten.call(this.features.call(x)));
  }
}

/** Build a VGG-19 ({@link Vgg}). */
export const vgg19 = (opts: VggOptions): Vgg => new Vgg(opts);
