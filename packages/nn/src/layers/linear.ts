import { ShapeError, ValueError, add, matmul, type Tensor } from '@kwta/core';
import { Module } from '../module.js';
import { checkInit, defaultUniform, type InitOptions } from '../init.js';

export interface LinearOptions extends InitOptions {
  bias?: boolean;
}

/** y = x Wᵀ + b with W [out, in] (PyTorch's layout), on the last axis of x. */
export class Linear extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;

  constructor(readonly inFeatures: number, readonly outFeatures: number, opts: LinearOptions) {
    super();
    const { gen, dtype } = checkInit('Linear', opts);
    for (const [n, v] of [['inFeatures', inFeatures], ['outFeatures', outFeatures]] as const) {
      if (!Number.isInteger(v) || v <= 0) throw new ValueError(`Linear: ${n} must be a positive integer, got ${v}`);
    }
    this.weight = this.registerParameter('weight', defaultUniform([outFeatures, inFeatures], inFeatures, gen, dtype));
    this.bias = opts.bias === false ? null : this.registerParameter('bias', defaultUniform([outFeatures], inFeatures, gen, dtype));
  }

  forward(x: Tensor): Tensor {
    if (x.rank < 1 || x.shape[x.rank - 1] !== this.inFeatures) {
      throw new ShapeError(`Linear(${this.inFeatures}, ${this.outFeatures}): input ${x.describe()} must end in ${this.inFeatures} features`);
    }
    const y = matmul(x, this.weight, { transposeB: true });
    return this.bias ? add(y, this.bias) : y;
  }

  override toString(): string {
    return `Linear(${this.inFeatures}, ${this.outFeatures}, bias=${this.bias !== null})`;
  }
}
