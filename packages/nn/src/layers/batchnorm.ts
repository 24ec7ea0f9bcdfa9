import { ShapeError, ValueError, add, div, full, mean, mul, noGrad, ones, sqrt, sub, tidy, variance, zeros, type Tensor } from '@kwta/core';
import { Module } from '../module.js';

/** Options of a batch-norm layer: epsilon, momentum, affine parameters, running statistics. */
export interface BatchNormOptions {
  /** Added to the variance before the square root (default 1e-5). */
  eps?: number;
  /**
   * Weight of the new batch statistic in the running average (default 0.1); null means a
   * cumulative average over all batches seen, as PyTorch's momentum=None.
   */
  momentum?: number | null;
  /** Learnable scale and shift (default true). */
  affine?: boolean;
  /** Keep running statistics for eval mode (default true). */
  trackRunningStats?: boolean;
  dtype?: 'float32' | 'float64';
}

/**
 * Batch normalization over every axis except the channel axis (1), with PyTorch's semantics:
 * training mode normalizes with the biased batch variance and updates the running variance with
 * the unbiased one; eval mode uses the running statistics. Built from core ops, so its
 * gradient (through the batch statistics too) comes from the tape.
 */
abstract class BatchNormBase extends Module {
  readonly weight: Tensor | null;
  readonly bias: Tensor | null;
  readonly runningMean: Tensor | null;
  readonly runningVar: Tensor | null;
  readonly numBatchesTracked: Tensor | null;
  readonly eps: number;
  readonly momentum: number | null;

  protected abstract readonly ranks: readonly number[];

  constructor(readonly numFeatures: number, opts: BatchNormOptions = {}) {
    super();
    if (!Number.isInteger(numFeatures) || numFeatures <= 0) throw new ValueError(`${this.constructor.name}: numFeatures must be a positive integer, got ${numFeatures}`);
    this.eps = opts.eps ?? 1e-5;
    this.momentum = opts.momentum === undefined ? 0.1 : opts.momentum;
    if (!(this.eps > 0)) throw new ValueError(`${this.constructor.name}: eps must be > 0, got ${this.eps}`);
    if (this.momentum !== null && !(this.momentum >= 0 && this.momentum <= 1)) {
      throw new ValueError(`${this.constructor.name}: momentum must be in [0, 1] or null, got ${this.momentum}`);
    }
    const dtype = opts.dtype ?? 'float32';
    const affine = opts.affine ?? true;
    this.weight = affine ? this.registerParameter('weight', ones([numFeatures], dtype)) : null;
    this.bias = affine ? this.registerParameter('bias', zeros([numFeatures], dtype)) : null;
    const track = opts.trackRunningStats ?? true;
    // PyTorch's buffer names, so checkpoints load both ways; the counter is int64 there.
    this.runningMean = track ? this.registerBuffer('running_mean', zeros([numFeatures], dtype)) : null;
    this.runningVar = track ? this.registerBuffer('running_var', ones([numFeatures], dtype)) : null;
    this.numBatchesTracked = track ? this.registerBuffer('num_batches_tracked', full([], 0, 'int32')) : null;
  }

  forward(x: Tensor): Tensor {
    if (!this.ranks.includes(x.rank) || x.shape[1] !== this.numFeatures) {
      throw new ShapeError(`${this.constructor.name}(${this.numFeatures}): input must have rank ${this.ranks.join(' or ')} with ${this.numFeatures} channels on axis 1, got ${x.describe()}`);
    }
    const axes = x.rank === 4 ? [0, 2, 3] : x.rank === 3 ? [0, 2] : [0];
    const statShape = x.rank === 4 ? [1, this.numFeatures, 1, 1] : x.rank === 3 ? [1, this.numFeatures, 1] : [1, this.numFeatures];
    const useBatchStats = this.training || !this.runningMean;
    let normalized: Tensor;
    if (useBatchStats) {
      const count = x.size / this.numFeatures;
      if (this.training && count <= 1) {
        throw new ValueError(`${this.constructor.name}: expected more than 1 value per channel when training, got input ${x.describe()}`);
      }
      const mu = mean(x, axes, true);
      const v = variance(x, axes, true);
      normalized = div(sub(x, mu), sqrt(add(v, this.eps)));
      if (this.training && this.runningMean) this.updateRunningStats(mu, v, count);
    } else {
      normalized = div(sub(x, this.runningMean!.reshape(statShape)), sqrt(add(this.runningVar!.reshape(statShape), this.eps)));
    }
    if (!this.weight || !this.bias) return normalized;
    return add(mul(normalized, this.weight.reshape(statShape)), this.bias.reshape(statShape));
  }

  private updateRunningStats(batchMean: Tensor, batchVar: Tensor, count: number): void {
    noGrad(() =>
      tidy(() => {
        const tracked = this.numBatchesTracked!.item() + 1;
        this.numBatchesTracked!.assign(full([], tracked, 'int32'));
        const m = this.momentum ?? 1 / tracked;
        const unbiased = mul(batchVar.reshape([this.numFeatures]), count / (count - 1));
        const rm = add(mul(this.runningMean!, 1 - m), mul(batchMean.reshape([this.numFeatures]), m));
        const rv = add(mul(this.runningVar!, 1 - m), mul(unbiased, m));
        this.runningMean!.assign(rm);
        this.runningVar!.assign(rv);
      }),
    );
  }

  override toString(): string {
    return `${this.constructor.name}(${this.numFeatures}, eps=${this.eps}, momentum=${this.momentum})`;
  }
}

/** BatchNorm over [N, C] or [N, C, L] inputs. */
export class BatchNorm1d extends BatchNormBase {
  protected readonly ranks = [2, 3];
}

/** BatchNorm over [N, C, H, W] inputs (statistics per channel over N, H, W). */
export class BatchNorm2d extends BatchNormBase {
  protected readonly ranks = [4];
}
