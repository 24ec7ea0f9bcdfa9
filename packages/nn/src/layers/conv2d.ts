import { ShapeError, ValueError, conv2d, type Pair, type Tensor } from '@kwta/core';
import { Module } from '../module.js';
import { checkInit, defaultUniform, type InitOptions } from '../init.js';

export interface Conv2dOptions extends InitOptions {
  stride?: Pair;
  padding?: Pair;
  dilation?: Pair;
  bias?: boolean;
}

/** 2-D convolution, weight [out, in, kh, kw] as in PyTorch, on [N, C, H, W] inputs. */
export class Conv2d extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  readonly stride: Pair;
  readonly padding: Pair;
  readonly dilation: Pair;

  constructor(readonly inChannels: number, readonly outChannels: number, readonly kernelSize: Pair, opts: Conv2dOptions) {
    super();
    const { gen, dtype } = checkInit('Conv2d', opts);
    const [kh, kw] = typeof kernelSize === 'number' ? [kernelSize, kernelSize] : kernelSize;
    for (const [n, v] of [['inChannels', inChannels], ['outChannels', outChannels], ['kernel height', kh], ['kernel width', kw]] as const) {
      if (!Number.isInteger(v) || v <= 0) throw new ValueError(`Conv2d: ${n} must be a positive integer, got ${v}`);
    }
    this.stride = opts.stride ?? 1;
    this.padding = opts.padding ?? 0;
    this.dilation = opts.dilation ?? 1;
    const fanIn = inChannels * kh * kw;
    this.weight = this.registerParameter('weight', defaultUniform([outChannels, inChannels, kh, kw], fanIn, gen, dtype));
    this.bias = opts.bias === false ? null : this.registerParameter('bias', defaultUniform([outChannels], fanIn, gen, dtype));
  }

  forward(x: Tensor): Tensor {
    if (x.rank !== 4 || x.shape[1] !== this.inChannels) {
      throw new ShapeError(`${this.toString()}: input must be [N, ${this.inChannels}, H, W], got ${x.describe()}`);
    }
    return conv2d(x, this.weight, { stride: this.stride, padding: this.padding, dilation: this.dilation, bias: this.bias });
  }

  override toString(): string {
    return `Conv2d(${this.inChannels}, ${this.outChannels}, kernel=${String(this.kernelSize)}, stride=${String(this.stride)}, padding=${String(this.padding)})`;
  }
}
