import { ShapeError, ValueError, reshape, type Tensor } from '@kwta/core';
import { WinnerTakeAll, type Selection } from './winners.js';

/** Options of a k-WTA layer: its sparsity ratio gamma. */
export interface KWTAOptions {
  /** Sparsity ratio γ in (0, 1]: each sample keeps k = floor(γ·N) of its N features. */
  gamma: number;
}

function checkGamma(layer: string, gamma: number): number {
  if (typeof gamma !== 'number' || !(gamma > 0 && gamma <= 1)) {
    throw new ValueError(`${layer}: gamma (sparsity ratio) must be in (0, 1], got ${gamma}`);
  }
  return gamma;
}

/**
 * k = floor(γ·N) with the same floating-point product as the paper's code (`int(sr * size)`),
 * so a γ reproduces its k exactly; k = 0 would zero the whole layer, so it is refused.
 */
export function kFromGamma(layer: string, gamma: number, n: number, over: string): number {
  const k = Math.floor(gamma * n);
  if (k < 1) {
    throw new ValueError(`${layer}: k = floor(gamma * N) = floor(${gamma} * ${n}) = 0 winners per ${over} (N = ${n}); raise gamma to at least ${1 / n}`);
  }
  return k;
}

/** One row per sample over everything after the batch axis. */
function perSample(layer: string, x: Tensor): { rows: Tensor; n: number; restore: (t: Tensor) => Tensor } {
  if (x.rank < 2) throw new ShapeError(`${layer}: input must be [N, ...features], got ${x.describe()}`);
  const n = x.size / x.shape[0];
  return { rows: reshape(x, [x.shape[0], n]), n, restore: (t) => reshape(t, x.shape) };
}

/** The γ-parameterized k-WTA layers, whose sparsity `setSparsity` can change. */
export abstract class RatioKWTA extends WinnerTakeAll {
  private g: number;

  constructor(opts: KWTAOptions) {
    super();
    this.g = checkGamma(this.constructor.name, opts?.gamma);
  }

  get gamma(): number {
    return this.g;
  }

  set gamma(value: number) {
    this.g = checkGamma(this.constructor.name, value);
  }

  override toString(): string {
    return `${this.constructor.name}(gamma=${this.g})`;
  }
}

/**
 * The paper's k-WTA (Sec. 2.1): per sample, over the whole layer output (C·H·W for conv layers,
 * the feature vector for linear ones), keep the k = floor(γ·N) largest values and zero the
 * rest. Equal values go to the lower index, so exactly k survive. Gradient flows to the winners.
 */
export class KWTA extends RatioKWTA {
  protected selection(x: Tensor): Selection {
    const { rows, n, restore } = perSample('KWTA', x);
    return { rows, k: kFromGamma('KWTA', this.gamma, n, 'sample'), restore };
  }
}

/**
 * Per-channel k-WTA (the paper's code calls it `Sparsify2D_chn`): for each sample and channel,
 * keep the k = floor(γ·H·W) largest of that channel's H·W values.
 */
export class KWTAChannel extends RatioKWTA {
  protected selection(x: Tensor): Selection {
    if (x.rank < 3) throw new ShapeError(`KWTAChannel: input must be [N, C, H, W] (or [N, C, L]), got ${x.describe()}`);
    const spatial = x.size / (x.shape[0] * x.shape[1]);
    const k = kFromGamma('KWTAChannel', this.gamma, spatial, 'channel');
    return { rows: reshape(x, [x.shape[0] * x.shape[1], spatial]), k, restore: (t) => reshape(t, x.shape) };
  }
}

/** k-WTA with a fixed k (the paper code's `Sparsify1D_kactive`), over the whole sample. */
export class KWTAFixedK extends WinnerTakeAll {
  constructor(readonly opts: { k: number }) {
    super();
    if (!Number.isInteger(opts?.k) || opts.k < 1) throw new ValueError(`KWTAFixedK: k must be a positive integer, got ${opts?.k}`);
  }

  get k(): number {
    return this.opts.k;
  }

  protected selection(x: Tensor): Selection {
    const { rows, n, restore } = perSample('KWTAFixedK', x);
    if (this.k > n) throw new ValueError(`KWTAFixedK: k = ${this.k} exceeds the ${n} features per sample of input ${x.describe()}`);
    return { rows, k: this.k, restore };
  }

  override toString(): string {
    return `KWTAFixedK(k=${this.k})`;
  }
}
