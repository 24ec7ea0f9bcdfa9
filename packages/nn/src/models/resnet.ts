import { add, type Tensor } from '@kwta/core';
import type { ActivationFactory } from '../activations/activation.js';
import { BatchNorm2d } from '../layers/batchnorm.js';
import { Sequential } from '../layers/basic.js';
import { Conv2d } from '../layers/conv2d.js';
import { Linear } from '../layers/linear.js';
import { GlobalAvgPool2d } from '../layers/pool.js';
import { Module } from '../module.js';
import type { InitOptions } from '../init.js';
import { MODEL_OPTION_NAMES, positiveInt, resolve, type ModelOptions, type OptionNames } from './common.js';

/**
 * The CIFAR ResNet basic block (kuangliu/pytorch-cifar, as the kWTA code uses it):
 * act(bn1(conv1 x)) → bn2(conv2 ·) + shortcut(x) → act. The shortcut is a 1x1 conv + BN when
 * the shape changes, else the identity (an empty Sequential, as in PyTorch).
 */
export class BasicBlock extends Module {
  readonly conv1: Conv2d;
  readonly bn1: BatchNorm2d;
  act1: Module;
  readonly conv2: Conv2d;
  readonly bn2: BatchNorm2d;
  readonly shortcut: Sequential;
  act2: Module;

  constructor(inPlanes: number, planes: number, stride: number, activation: ActivationFactory, init: InitOptions) {
    super();
    const bn = { dtype: init.dtype };
    this.conv1 = this.registerModule('conv1', new Conv2d(inPlanes, planes, 3, { ...init, stride, padding: 1, bias: false }));
    this.bn1 = this.registerModule('bn1', new BatchNorm2d(planes, bn));
    this.act1 = this.registerModule('act1', activation());
    this.conv2 = this.registerModule('conv2', new Conv2d(planes, planes, 3, { ...init, padding: 1, bias: false }));
    this.bn2 = this.registerModule('bn2', new BatchNorm2d(planes, bn));
    this.shortcut = this.registerModule('shortcut', new Sequential());
    if (stride !== 1 || inPlanes !== planes) {
      this.shortcut.append(new Conv2d(inPlanes, planes, 1, { ...init, stride, bias: false })).append(new BatchNorm2d(planes, bn));
    }
    this.act2 = this.registerModule('act2', activation());
  }

  forward(x: Tensor): Tensor {
    const out = this.bn2.call(this.conv2.call(this.act1.call(this.bn1.call(this.conv1.call(x)))));
    return this.act2.call(add(out, this.shortcut.call(x)));
  }
}

export interface ResNetOptions extends ModelOptions {
  /** Blocks per stage (default [2, 2, 2, 2]: ResNet-18). */
  numBlocks?: readonly [number, number, number, number];
  /** Channels of the first stage (default 64); the stages use w, 2w, 4w, 8w. */
  width?: number;
  inChannels?: number;
}

const OPTION_NAMES: OptionNames<ResNetOptions> = { ...MODEL_OPTION_NAMES, numBlocks: true, width: true, inChannels: true };

/**
 * ResNet for 32x32 inputs (3x3 stride-1 stem, no max-pool), as kuangliu/pytorch-cifar and the
 * kWTA code; global average pooling equals their avg_pool2d(·, 4) on the 4x4 final map.
 */
export class ResNet extends Module {
  readonly conv1: Conv2d;
  readonly bn1: BatchNorm2d;
  act: Module;
  readonly layer1: Sequential;
  readonly layer2: Sequential;
  readonly layer3: Sequential;
  readonly layer4: Sequential;
  readonly pool: GlobalAvgPool2d;
  readonly linear: Linear;

  constructor(opts: ResNetOptions) {
    super();
    const { activation, gen, numClasses, dtype } = resolve('ResNet', opts, OPTION_NAMES);
    const w = positiveInt('ResNet', 'width', opts.width ?? 64);
    const blocks = opts.numBlocks ?? [2, 2, 2, 2];
    blocks.forEach((b, i) => positiveInt('ResNet', `numBlocks[${i}]`, b));
    const init = { gen, dtype };
    let inPlanes = w;
    const stage = (planes: number, n: number, stride: number) => {
      const s = new Sequential();
      for (let i = 0; i < n; i++) {
        s.append(new BasicBlock(inPlanes, planes, i === 0 ? stride : 1, activation, init));
        inPlanes = planes;
      }
      return s;
    };
    this.conv1 = this.registerModule('conv1', new Conv2d(opts.inChannels ?? 3, w, 3, { ...init, padding: 1, bias: false }));
    this.bn1 = this.registerModule('bn1', new BatchNorm2d(w, { dtype }));
    this.act = this.registerModule('act', activation());
    this.layer1 = this.registerModule('layer1', stage(w, blocks[0], 1));
    this.layer2 = this.registerModule('layer2', stage(2 * w, blocks[1], 2));
    this.layer3 = this.registerModule('layer3', stage(4 * w, blocks[2], 2));
    this.layer4 = this.registerModule('layer4', stage(8 * w, blocks[3], 2));
    this.pool = this.registerModule('pool', new GlobalAvgPool2d());
    this.linear = this.registerModule('linear', new Linear(8 * w, numClasses, init));
  }

  forward(x: Tensor): Tensor {
    let out = this.act.call(this.bn1.call(this.conv1.call(x)));
    for (const layer of [this.layer1, this.layer2, this.layer3, this.layer4]) out = layer.call(out);
    return this.linear.call(this.pool.call(out));
  }
}

/** ResNet-18 for CIFAR: 11,173,962 parameters with 10 classes, as in PyTorch. */
export const resnet18 = (opts: Omit<ResNetOptions, 'numBlocks'>): ResNet => new ResNet({ ...opts, numBlocks: [2, 2, 2, 2] });
