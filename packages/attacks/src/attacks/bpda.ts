import { ValueError } from '@kwta/core';
import type { Attack } from '../attack.js';
import { PGD, type PgdConfig } from './pgd.js';

// The straight-through tool and the smooth k-WTA backward live in @kwta/core, so @kwta/nn's
// k-WTA layers (their smooth backward mode) and attacks written straight from ops share one copy.
export { straightThrough, kwtaSmooth, sigmoidGate, kwtaStraightThrough, type KwtaSurrogateOptions } from '@kwta/core';

/** Options of BPDA: PGD's options with the surrogate required (its gradient stands in for the model's). */
export interface BpdaConfig extends Omit<PgdConfig, 'surrogate'> {
  /** Same weights as the attacked model, exact forward, smooth backward (e.g. kwtaStraightThrough). */
  surrogate: NonNullable<PgdConfig['surrogate']>;
}

/** BPDA: PGD whose gradients come from the surrogate; success is judged on the real model. */
export class BPDA extends PGD {
  constructor(config: BpdaConfig) {
    if (!config.surrogate) throw new ValueError('BPDA: needs a surrogate model (exact forward, smooth backward)');
    super(config, null, 'BPDA');
  }

  protected override make(c: PgdConfig): Attack {
    return new BPDA({ ...c, surrogate: this.config.surrogate! });
  }
}
