import { ValueError, add, type Tensor } from '@kwta/core';
import type { ActivationFactory } from '../activations/activation.js';
import { BatchNorm2d } from '../layers/batchnorm.js';
import { Sequential } from '../layers/basic.js';
import { Conv2d } from '../layers/conv2d.js';
import { Dropout } from '../layers/dropout.js';
import { Linear } from '../layers/linear.js';
import { GlobalAvgPool2d } from '../layers/pool.js';
import { Module } from '../module.js';
import type { InitOptions } from '../init.js';
import { MODEL_OPTION_NAMES, heNormalConvInit, positiveInt, resolve, type ModelOptions, type OptionNames } from './common.js';

/**
 * Pre-activation wide block (Zagoruyko & Komodakis, as in the kWTA code): when the shape
 * changes the activated input feeds both the 3x3 path and the 1x1 `convShortcut`; otherwise
 * the raw input is the shortcut.
 */
export class WideBasicBlock extends Module {
  readonly bn1: BatchNorm2d;
  relu1: Module;
  readonly conv1: Conv2d;
  readonly bn2: BatchNorm2d;
  relu2: Module;
  readonly dropout: Dropout | null;
  readonly conv2: Conv2d;
  readonly convShortcut: Conv2d | null;

  constructor(inPlanes: number, outPlanes: number, stride: number, dropRate: number, activation: ActivationFactory, init: InitOptions, bias = false) {
    super();
    this.bn1 = this.registerModule('bn1', new BatchNorm2d(inPlanes, { dtype: init.dtype }));
    this.relu1 = this.registerModule('relu1', activation());
    this.conv1 = this.registerModule('conv1', new Conv2d(inPlanes, outPlanes, 3, { ...init, stride, padding: 1, bias }));
    this.bn2 = this.registerModule('bn2', new BatchNorm2d(outPlanes, { dtype: init.dtype }));
    this.relu2 = this.registerModule('relu2', activation());
    this.dropout = dropRate > 0 ? this.registerModule('dropout', new Dropout({ p: dropRate, gen: init.gen.fork() })) : null;
    this.conv2 = this.registerModule('conv2', new Conv2d(outPlanes, outPlanes, 3, { ...init, padding: 1, bias }));
    this.convShortcut = inPlanes === outPlanes ? null : this.registerModule('convShortcut', new Conv2d(inPlanes, outPlanes, 1, { ...init, stride, bias }));
  }

  forward(x: Tensor): Tensor {
    const activated = this.relu1.call(this.bn1.call(x));
    let out = this.relu2.call(this.bn2.call(this.conv1.call(activated)));
    if (this.dropout) out = this.dropout.call(out);
    out = this.conv2.call(out);
    return add(this.convShortcut ? this.convShortcut.call(activated) : x, out);
  }
}

export interface WideResNetOptions extends ModelOptions {
  /** Total depth, 6n + 4 (default 22). */
  depth?: number;
  /** Width multiplier k (default 10). */
  widenFactor?: number;
  /** Dropout between the two convolutions of each block (default 0). */
  dropRate?: number;
  inChannels?: number;
  /**
   * Biases on every convolution (default false, as the reference WideResNet; the kWTA code's
   * SparseWideResNet defaults to true, and its checkpoints then carry `conv1.bias` etc.).
   */
  bias?: boolean;
}

const OPTION_NAMES: OptionNames<WideResNetOptions> = { ...MODEL_OPTION_NAMES, depth: true, widenFactor: true, dropRate: true, inChannels: true, bias: true };

/**
 * WideResNet-depth-k for CIFAR (default WRN-22-10: 26,797,914 parameters with 10 classes).
 * Names follow the reference code (`block1.layer.0.conv1.weight`, `bn1`, `fc`); weights are
 * re-initialized as it does (conv ~ N(0, 2/(k²·out)), linear bias 0).
 */
export class WideResNet extends Module {
  readonly conv1: Conv2d;
  readonly block1: Module;
  readonly block2: Module;
  readonly block3: Module;
  readonly bn1: BatchNorm2d;
  relu: Module;
  readonly pool: GlobalAvgPool2d;
  readonly fc: Linear;

  constructor(opts: WideResNetOptions) {
    super();
    const { activation, gen, numClasses, dtype } = resolve('WideResNet', opts, OPTION_NAMES);
    const depth = opts.depth ?? 22;
    if (!Number.isInteger(depth) || depth < 10 || (depth - 4) % 6 !== 0) throw new ValueError(`WideResNet: depth must be 6n + 4 with n >= 1, got ${depth}`);
    const k = positiveInt('WideResNet', 'widenFactor', opts.widenFactor ?? 10);
    const dropRate = opts.dropRate ?? 0;
    if (!(dropRate >= 0 && dropRate < 1)) throw new ValueError(`WideResNet: dropRate must be in [0, 1), got ${dropRate}`);
    const n = (depth - 4) / 6;
    const ch = [16, 16 * k, 32 * k, 64 * k];
    const init = { gen, dtype };
    const bias = opts.bias ?? false;
    const group = (inPlanes: number, outPlanes: number, stride: number) => {
      const layer = new Sequential();
      for (let i = 0; i < n; i++) layer.append(new WideBasicBlock(i === 0 ? inPlanes : outPlanes, outPlanes, i === 0 ? stride : 1, dropRate, activation, init, bias));
      return new NetworkBlock(layer);
    };
    this.conv1 = this.registerModule('conv1', new Conv2d(opts.inChannels ?? 3, ch[0], 3, { ...init, padding: 1, bias }));
    this.block1 = this.registerModule('block1', group(ch[0], ch[1], 1));
    this.block2 = this.registerModule('block2', group(ch[1], ch[2], 2));
    this.block3 = this.registerModule('block3', group(ch[2], ch[3], 2));
    this.bn1 = this.registerModule('bn1', new BatchNorm2d(ch[3], { dtype }));
    this.relu = this.registerModule('relu', activation());
    this.pool = this.registerModule('pool', new GlobalAvgPool2d());
    this.fc = this.registerModule('fc', new Linear(ch[3], numClasses, init));
    heNormalConvInit(this, gen, { zeroLinearBias: true });
  }

  forward(x: Tensor): Tensor {
    let out = this.conv1.call(x);
    out = this.block3.call(this.block2.call(this.block1.call(out)));
    return this.fc.call(this.pool.call(this.relu.call(this.bn1.call(out))));
  }
}

/** The reference code's NetworkBlock: a holder whose only child is `layer` (for the names). */
class NetworkBlock extends Module {
  constructor(readonly layer: Sequential) {
    super();
    this.registerModule('layer', layer);
  }

  forward(x: Tensor): Tensor {
    return this.layer.call(x);
  }
}

/** Build a {@link WideResNet}. */
export const wideResNet = (opts: WideResNetOptions): WideResNet => new WideResNet(opts);
