import { ValueError } from '@kwta/core';

/** Options of the paper's incremental sparsity schedule (k-WTA's ratio lowered epoch by epoch). */
export interface IncrementalSparsityOptions {
  /** Starting sparsity ratio (paper: 0.2). */
  gamma0: number;
  /** Target sparsity ratio (paper: 0.1). */
  gamma1: number;
  /** Decrease per fine-tuning step (paper: 0.005). */
  delta: number;
  /** Epochs trained at gamma0 before the first decrease (paper: 50). */
  initialEpochs: number;
  /** Epochs per fine-tuning step (paper: 2). */
  epochsPerStep?: number;
}

/**
 * The paper's incremental sparsity schedule (Sec. 2.2, App. D.1): train `initialEpochs` at
 * gamma0, then repeatedly lower γ by delta and train `epochsPerStep` epochs, until gamma1.
 * It only produces numbers; the training loop applies them with @kwta/nn's
 * `setSparsity(model, schedule.gammaAt(epoch))` at the start of each epoch, so @kwta/optim
 * does not depend on @kwta/nn. Values are rounded to 12 decimals so 0.2 − 3·0.005 is 0.185
 * (and k = floor(γ·N) is what the decimal says), and the last step lands exactly on gamma1.
 */
export class IncrementalSparsity {
  readonly gamma0: number;
  readonly gamma1: number;
  readonly delta: number;
  readonly initialEpochs: number;
  readonly epochsPerStep: number;
  /** Number of decreases: ceil((gamma0 − gamma1) / delta). */
  readonly numSteps: number;

  constructor(opts: IncrementalSparsityOptions) {
    const { gamma0, gamma1, delta, initialEpochs } = opts;
    const epochsPerStep = opts.epochsPerStep ?? 2;
    if (!(gamma1 > 0 && gamma1 <= gamma0 && gamma0 <= 1)) throw new ValueError(`IncrementalSparsity: need 0 < gamma1 <= gamma0 <= 1, got gamma0 ${gamma0}, gamma1 ${gamma1}`);
    if (!(delta > 0)) throw new ValueError(`IncrementalSparsity: delta must be > 0, got ${delta}`);
    if (!Number.isInteger(initialEpochs) || initialEpochs < 0) throw new ValueError(`IncrementalSparsity: initialEpochs must be an integer >= 0, got ${initialEpochs}`);
    if (!Number.isInteger(epochsPerStep) || epochsPerStep < 1) throw new ValueError(`IncrementalSparsity: epochsPerStep must be a positive integer, got ${epochsPerStep}`);
    this.gamma0 = gamma0;
    this.gamma1 = gamma1;
    this.delta = delta;
    this.initialEpochs = initialEpochs;
    this.epochsPerStep = epochsPerStep;
    this.numSteps = Math.ceil(round12((gamma0 - gamma1) / delta));
  }

  /** Epochs in the whole schedule: initialEpochs + numSteps · epochsPerStep (paper: 90). */
  get totalEpochs(): number {
    return this.initialEpochs + this.numSteps * this.epochsPerStep;
  }

  /** γ to train epoch `epoch` (0-based) with; gamma1 from the last step on. */
  gammaAt(epoch: number): number {
    if (!Number.isInteger(epoch) || epoch < 0) throw new ValueError(`IncrementalSparsity.gammaAt: epoch must be an integer >= 0, got ${epoch}`);
    if (epoch < this.initialEpochs) return this.gamma0;
    const step = Math.min(this.numSteps, Math.floor((epoch - this.initialEpochs) / this.epochsPerStep) + 1);
    return Math.max(this.gamma1, round12(this.gamma0 - step * this.delta));
  }

  /** Did γ change at the start of `epoch` (so the loop knows to call setSparsity)? */
  changesAt(epoch: number): boolean {
    return epoch === 0 || this.gammaAt(epoch) !== this.gammaAt(epoch - 1);
  }

  /** The whole schedule, one entry per epoch: for logs and plots. */
  table(): { epoch: number; gamma: number }[] {
    return Array.from({ length: this.totalEpochs }, (_, epoch) => ({ epoch, gamma: this.gammaAt(epoch) }));
  }
}

function round12(v: number): number {
  return Math.round(v * 1e12) / 1e12;
}
