import { avgPool2d, concat, type Tensor } from '@kwta/core';
import type { ActivationFactory } from '../activations/activation.js';
import { BatchNorm2d } from '../layers/batchnorm.js';
import { Sequential } from '../layers/basic.js';
import { Conv2d } from '../layers/conv2d.js';
import { Linear } from '../layers/linear.js';
import { GlobalAvgPool2d } from '../layers/pool.js';
import { Module } from '../module.js';
import type { InitOptions } from '../init.js';
import { MODEL_OPTION_NAMES, positiveInt, resolve, type ModelOptions, type OptionNames } from './common.js';

/** DenseNet-BC bottleneck: conv3x3(act(bn2(conv1x1(act(bn1 x))))) concatenated before x. */
export class DenseBottleneck extends Module {
  readonly bn1: BatchNorm2d;
  act1: Module;
  readonly conv1: Conv2d;
  readonly bn2: BatchNorm2d;
  act2: Module;
  readonly conv2: Conv2d;

  constructor(inPlanes: number, growthRate: number, activation: ActivationFactory, init: InitOptions) {
    super();
    this.bn1 = this.registerModule('bn1', new BatchNorm2d(inPlanes, { dtype: init.dtype }));
    this.act1 = this.registerModule('act1', activation());
    this.conv1 = this.registerModule('conv1', new Conv2d(inPlanes, 4 * growthRate, 1, { ...init, bias: false }));
    this.bn2 = this.registerModule('bn2', new BatchNorm2d(4 * growthRate, { dtype: init.dtype }));
    this.act2 = this.registerModule('act2', activation());
    this.conv2 = this.registerModule('conv2', new Conv2d(4 * growthRate, growthRate, 3, { ...init, padding: 1, bias: false }));
  }

  forward(x: Tensor): Tensor {
    const out = this.conv1.call(this.act1.call(this.bn1.call(x)));
    return concat([this.conv2.call(this.act2.call(this.bn2.call(out))), x], 1);
  }
}

/** Transition: 1x1 conv of act(bn x), then 2x2 average pooling. */
export class DenseTransition extends Module {
  readonly bn: BatchNorm2d;
  act: Module;
  readonly conv: Conv2d;

  constructor(inPlanes: number, outPlanes: number, activation: ActivationFactory, init: InitOptions) {
    super();
    this.bn = this.registerModule('bn', new BatchNorm2d(inPlanes, { dtype: init.dtype }));
    this.act = this.registerModule('act', activation());
    this.conv = this.registerModule('conv', new Conv2d(inPlanes, outPlanes, 1, { ...init, bias: false }));
  }

  forward(x: Tensor): Tensor {
    return avgPool2d(this.conv.call(this.act.call(this.bn.call(x))), { kernelSize: 2 });
  }
}

export interface DenseNetOptions extends ModelOptions {
  /** Bottlenecks per dense block (default [6, 12, 24, 16]: DenseNet-121). */
  numBlocks?: readonly [number, number, number, number];
  /** Default 32 (DenseNet-121). */
  growthRate?: number;
  /** Channel compression at each transition (default 0.5). */
  reduction?: number;
  inChannels?: number;
}

const OPTION_NAMES: OptionNames<DenseNetOptions> = { ...MODEL_OPTION_NAMES, numBlocks: true, growthRate: true, reduction: true, inChannels: true };

/**
 * DenseNet for CIFAR as in kuangliu/pytorch-cifar (and the kWTA code): 3x3 stem with
 * 2·growth channels, four dense blocks joined by transitions, act(bn), global average pooling
 * (their avg_pool2d(·, 4) on 32x32 inputs), linear. Inputs need a side of at least 8.
 */
export class DenseNet extends Module {
  readonly conv1: Conv2d;
  readonly dense1: Sequential;
  readonly trans1: DenseTransition;
  readonly dense2: Sequential;
  readonly trans2: DenseTransition;
  readonly dense3: Sequential;
  readonly trans3: DenseTransition;
  readonly dense4: Sequential;
  readonly bn: BatchNorm2d;
  act: Module;
  readonly pool: GlobalAvgPool2d;
  readonly linear: Linear;

  constructor(opts: DenseNetOptions) {
    super();
    const { activation, gen, numClasses, dtype } = resolve('DenseNet', opts, OPTION_NAMES);
    const growth = positiveInt('DenseNet', 'growthRate', opts.growthRate ?? 32);
    const blocks = opts.numBlocks ?? [6, 12, 24, 16];
    blocks.forEach((b, i) => positiveInt('DenseNet', `numBlocks[${i}]`, b));
    const reduction = opts.reduction ?? 0.5;
    const init = { gen, dtype };
    let planes = 2 * growth;
    const dense = (n: number) => {
      const s = new Sequential();
      for (let i = 0; i < n; i++) {
        s.append(new DenseBottleneck(planes, growth, activation, init));
        planes += growth;
      }
      return s;
    };
    const transition = () => {
      const out = Math.floor(planes * reduction);
      const t = new DenseTransition(planes, positiveInt('DenseNet', 'transition width (planes * reduction)', out), activation, init);
      planes = out;
      return t;
    };
    this.conv1 = this.registerModule('conv1', new Conv2d(opts.inChannels ?? 3, planes, 3, { ...init, padding: 1, bias: false }));
    this.dense1 = this.registerModule('dense1', dense(blocks[0]));
    this.trans1 = this.registerModule('trans1', transition());
    this.dense2 = this.registerModule('dense2', dense(blocks[1]));
    this.trans2 = this.registerModule('trans2', transition());
    this.dense3 = this.registerModule('dense3', dense(blocks[2]));
    this.trans3 = this.registerModule('trans3', transition());
    this.dense4 = this.registerModule('dense4', dense(blocks[3]));
    this.bn = this.registerModule('bn', new BatchNorm2d(planes, { dtype }));
    this.act = this.registerModule('act', activation());
    this.pool = this.registerModule('pool', new GlobalAvgPool2d());
    this.linear = this.registerModule('linear', new Linear(planes, numClasses, init));
  }

  forward(x: Tensor): Tensor {
    let out = this.conv1.call(x);
    out = this.trans1.call(this.dense1.call(out));
    out = this.trans2.call(this.dense2.call(out));
    out = this.trans3.call(this.dense3.call(out));
    out = this.act.call(this.bn.call(this.dense4.call(out)));
    return this.linear.call(this.pool.call(out));
  }
}

/** DenseNet-121 for CIFAR (growth 32): 6,956,298 parameters with 10 classes. */
export const densenet121 = (opts: Omit<DenseNetOptions, 'numBlocks'>): DenseNet => new DenseNet({ ...opts, numBlocks: [6, 12, 24, 16] });
