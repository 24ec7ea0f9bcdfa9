import { ShapeError, ValueError, div, reshape, sub, tensor, type Tensor } from '@kwta/core';
import { Module } from '../module.js';

/**
 * (x - mean) / std per channel (axis 1), as the first layer of a model: inputs stay in [0, 1]
 * outside the model, which is where attacks measure eps (the AutoAttack / torchattacks / RobustBench
 * convention). mean and std are buffers named 'mean' and 'std' (one value per channel, or one for
 * all), so they travel with the state dict.
 */
export class Normalize extends Module {
  readonly mean: Tensor;
  readonly std: Tensor;

  constructor(mean: number | readonly number[], std: number | readonly number[]) {
    super();
    const m = typeof mean === 'number' ? [mean] : [...mean];
    const s = typeof std === 'number' ? [std] : [...std];
    if (m.length === 0 || m.length !== s.length) throw new ValueError(`Normalize: mean and std need the same number of channels (>= 1), got ${m.length} and ${s.length}`);
    m.forEach((v, c) => {
      if (!Number.isFinite(v)) throw new ValueError(`Normalize: mean[${c}] must be finite, got ${v}`);
    });
    s.forEach((v, c) => {
      if (!(v > 0) || !Number.isFinite(v)) throw new ValueError(`Normalize: std[${c}] must be finite and > 0, got ${v}`);
    });
    this.mean = this.registerBuffer('mean', tensor(Float32Array.from(m), [m.length]));
    this.std = this.registerBuffer('std', tensor(Float32Array.from(s), [s.length]));
  }

  forward(x: Tensor): Tensor {
    const c = this.mean.size;
    if (x.rank < 2 || (c > 1 && x.shape[1] !== c)) throw new ShapeError(`Normalize: input must be [N, ${c}, ...] for ${c} channels, got ${x.describe()}`);
    // [C] -> [1, C, 1, ...] so it broadcasts over the batch and the positions.
    const shape = [1, c, ...x.shape.slice(2).map(() => 1)];
    const asX = (t: Tensor) => reshape(t.dtype === x.dtype ? t : t.cast(x.dtype), shape);
    return div(sub(x, asX(this.mean)), asX(this.std));
  }

  override toString(): string {
    return `Normalize(mean=[${Array.from(this.mean.dataSync()).join(', ')}], std=[${Array.from(this.std.dataSync()).join(', ')}])`;
  }
}
