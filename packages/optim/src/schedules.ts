import { ValueError } from '@kwta/core';
import type { Optimizer } from './optimizer.js';

/**
 * A learning rate as a function of the epoch (0-based). Schedules are closed forms, not
 * counters: resuming from a checkpoint needs only the epoch number.
 */
export interface LRSchedule {
  /** The learning rate at epoch `epoch`. */
  lrAt(epoch: number): number;
}

function checkEpoch(op: string, epoch: number): void {
  if (!Number.isInteger(epoch) || epoch < 0) throw new ValueError(`${op}: epoch must be an integer >= 0, got ${epoch}`);
}

function checkPositive(op: string, name: string, v: number): void {
  if (!(v > 0) || !Number.isFinite(v)) throw new ValueError(`${op}: ${name} must be a finite number > 0, got ${v}`);
}

/** Set `optimizer.lr` for `epoch`; returns the rate. Call at the start of each epoch. */
export function applySchedule(optimizer: Optimizer, schedule: LRSchedule, epoch: number): number {
  optimizer.lr = schedule.lrAt(epoch);
  return optimizer.lr;
}

/**
 * PyTorch's MultiStepLR: baseLr · gamma^(number of milestones ≤ epoch). The paper's CIFAR
 * schedule is `new MultiStepLR({ baseLr: 0.1, milestones: [50], gamma: 0.1 })`: 0.1 for epochs
 * 0-49, then 0.01.
 */
export class MultiStepLR implements LRSchedule {
  readonly baseLr: number;
  readonly milestones: readonly number[];
  readonly gamma: number;

  constructor(opts: { baseLr: number; milestones: readonly number[]; gamma?: number }) {
    checkPositive('MultiStepLR', 'baseLr', opts.baseLr);
    this.gamma = opts.gamma ?? 0.1;
    checkPositive('MultiStepLR', 'gamma', this.gamma);
    opts.milestones.forEach((m, i) => {
      if (!Number.isInteger(m) || m < 1 || (i > 0 && m <= opts.milestones[i - 1])) {
        throw new ValueError(`MultiStepLR: milestones must be increasing positive integers, got [${opts.milestones.join(', ')}]`);
      }
    });
    this.baseLr = opts.baseLr;
    this.milestones = [...opts.milestones];
  }

  lrAt(epoch: number): number {
    checkEpoch('MultiStepLR', epoch);
    return this.baseLr * this.gamma ** this.milestones.filter((m) => m <= epoch).length;
  }
}

/**
 * Cosine annealing (PyTorch's CosineAnnealingLR closed form): from baseLr at epoch 0 to minLr at
 * `totalEpochs`, staying at minLr afterwards.
 */
export class CosineLR implements LRSchedule {
  constructor(readonly opts: { baseLr: number; totalEpochs: number; minLr?: number }) {
    checkPositive('CosineLR', 'baseLr', opts.baseLr);
    if (!Number.isInteger(opts.totalEpochs) || opts.totalEpochs < 1) throw new ValueError(`CosineLR: totalEpochs must be a positive integer, got ${opts.totalEpochs}`);
    const min = opts.minLr ?? 0;
    if (!(min >= 0 && min <= opts.baseLr)) throw new ValueError(`CosineLR: minLr must be in [0, baseLr], got ${min}`);
  }

  lrAt(epoch: number): number {
    checkEpoch('CosineLR', epoch);
    const { baseLr, totalEpochs, minLr = 0 } = this.opts;
    const t = Math.min(epoch, totalEpochs);
    return minLr + ((baseLr - minLr) * (1 + Math.cos((Math.PI * t) / totalEpochs))) / 2;
  }
}

/**
 * Linear warm-up in front of another schedule: the factor rises linearly from `startFactor` at
 * epoch 0 to 1 at `warmupEpochs` (PyTorch's LinearLR), multiplying `then.lrAt(epoch)`.
 */
export class LinearWarmup implements LRSchedule {
  constructor(readonly opts: { warmupEpochs: number; startFactor?: number; then: LRSchedule }) {
    if (!Number.isInteger(opts.warmupEpochs) || opts.warmupEpochs < 1) throw new ValueError(`LinearWarmup: warmupEpochs must be a positive integer, got ${opts.warmupEpochs}`);
    const s = opts.startFactor ?? 1 / 3;
    if (!(s > 0 && s <= 1)) throw new ValueError(`LinearWarmup: startFactor must be in (0, 1], got ${s}`);
  }

  lrAt(epoch: number): number {
    checkEpoch('LinearWarmup', epoch);
    const { warmupEpochs, startFactor = 1 / 3, then } = this.opts;
    const factor = startFactor + ((1 - startFactor) * Math.min(epoch, warmupEpochs)) / warmupEpochs;
    return factor * then.lrAt(epoch);
  }
}

/** A constant rate (a schedule for code that always calls one). */
export class ConstantLR implements LRSchedule {
  constructor(readonly lr: number) {
    checkPositive('ConstantLR', 'lr', lr);
  }

  lrAt(epoch: number): number {
    checkEpoch('ConstantLR', epoch);
    return this.lr;
  }
}
