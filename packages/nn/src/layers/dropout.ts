import { Generator, ValueError, div, greaterEqual, rand, where, type Tensor } from '@kwta/core';
import { Module } from '../module.js';

/** Options of a dropout layer: the drop probability and the seeded generator. */
export interface DropoutOptions {
  /** Probability of zeroing an element (default 0.5, as PyTorch). */
  p?: number;
  /** Random source for the masks (required: dropout is a random choice). */
  gen: Generator;
}

/**
 * Inverted dropout: in training mode each element is zeroed with probability p and survivors
 * are scaled by 1/(1-p); in eval mode it is the identity.
 */
export class Dropout extends Module {
  readonly p: number;
  private readonly gen: Generator;

  constructor(opts: DropoutOptions) {
    super();
    this.p = opts.p ?? 0.5;
    if (!(this.p >= 0 && this.p <= 1)) throw new ValueError(`Dropout: p must be in [0, 1], got ${this.p}`);
    if (!(opts.gen instanceof Generator)) throw new ValueError('Dropout: pass { gen: new Generator(seed) } for reproducible masks');
    this.gen = this.registerGenerator('gen', opts.gen);
  }

  forward(x: Tensor): Tensor {
    if (!this.training || this.p === 0) return x;
    // rand is in [0, 1), so with p = 1 nothing is kept (and nothing is divided by zero).
    const kept = where(greaterEqual(rand(x.shape, this.gen, { dtype: x.dtype }), this.p), x, 0);
    return this.p === 1 ? kept : div(kept, 1 - this.p);
  }
}
