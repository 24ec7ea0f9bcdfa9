import { ShapeError, avgPool2d, maxPool2d, mean, type Pair, type Tensor } from '@kwta/core';
import { Module } from '../module.js';

/** Options of a pooling layer: window, stride and padding. */
export interface PoolOptions {
  kernelSize: Pair;
  /** Default: the kernel size (PyTorch's default). */
  stride?: Pair;
  padding?: Pair;
}

export class MaxPool2d extends Module {
  constructor(readonly opts: PoolOptions) {
    super();
  }

  forward(x: Tensor): Tensor {
    return maxPool2d(x, this.opts);
  }
}

/** Average pooling; padded zeros count in the divisor (PyTorch's count_include_pad=True). */
export class AvgPool2d extends Module {
  constructor(readonly opts: PoolOptions) {
    super();
  }

  forward(x: Tensor): Tensor {
    return avgPool2d(x, this.opts);
  }
}

/**
 * Mean over H and W: [N, C, H, W] → [N, C]. Equals the CIFAR models' `avg_pool2d(out, 4)` plus
 * `view` on their 4x4 final maps, and keeps working on smaller test inputs.
 */
export class GlobalAvgPool2d extends Module {
  forward(x: Tensor): Tensor {
    if (x.rank !== 4) throw new ShapeError(`GlobalAvgPool2d: input must be [N, C, H, W], got ${x.describe()}`);
    return mean(x, [2, 3]);
  }
}
