import { Generator, ValueError, countCorrect, noGrad, tidy } from '@kwta/core';
import { DataLoader, batchToTensors, gatherBatch, take, type Batch, type ImageDataset } from '@kwta/datasets';
import type { Module } from '@kwta/nn';
import { Adam } from '@kwta/optim';
import { FreeState, resolveMethodOptions, trainStep } from '@kwta/train';
import { NETS, type EpochResult, type Net, type NetTick, type TrainConfig } from '../protocol.js';

export interface StepReport {
  step: number;
  steps: number;
  epoch: number;
  nets: Record<Net, NetTick>;
  /** Set on the last step of an epoch. */
  epochResult?: Record<Net, EpochResult>;
}

const perNet = <T>(make: (net: Net) => T): Record<Net, T> => ({ relu: make('relu'), kwta: make('kwta') });

/**
 * Trains the two networks side by side, one batch at a time, so whoever drives it (the worker
 * between messages, a test in Node) decides when to pause: both see the same batches in the same
 * order (natural training, Adam), and the test accuracy is measured after each epoch.
 */
export class PairTrainer {
  readonly steps: number;
  private readonly loader: DataLoader;
  private readonly test: ImageDataset;
  private readonly optimizers: Record<Net, Adam>;
  private readonly gen: Generator;
  private readonly free = new FreeState();
  private readonly method = resolveMethodOptions('natural', {});
  private batches: Iterator<Batch> | null = null;
  private epoch = 0;
  private done = 0;
  private sums = perNet(() => ({ loss: 0, correct: 0, seen: 0, ms: 0, steps: 0 }));
  readonly history: Record<Net, EpochResult>[] = [];

  constructor(
    readonly models: Record<Net, Module>,
    train: ImageDataset,
    test: ImageDataset,
    readonly config: TrainConfig,
  ) {
    const { epochs, trainSize, testSize, batchSize, lr } = config;
    for (const [name, v] of [['epochs', epochs], ['trainSize', trainSize], ['testSize', testSize], ['batchSize', batchSize]] as const) {
      if (!Number.isInteger(v) || v < 1) throw new ValueError(`train: ${name} must be a positive integer, got ${v}`);
    }
    if (!(lr > 0)) throw new ValueError(`train: the learning rate must be > 0, got ${lr}`);
    this.loader = new DataLoader(take(train, trainSize), { batchSize, seed: config.seed });
    this.test = take(test, testSize);
    this.steps = epochs * this.loader.length;
    this.optimizers = perNet((net) => new Adam(models[net].parameters(), { lr }));
    this.gen = new Generator(config.seed);
  }

  /** Free the optimizers' state (the models belong to the caller). */
  dispose(): void {
    for (const net of NETS) this.optimizers[net].dispose();
  }

  get finished(): boolean {
    return this.done >= this.steps;
  }

  /** One batch for each network; returns the running numbers (and the epoch's, at its end). */
  step(): StepReport {
    if (this.finished) throw new ValueError('train: every step has run');
    if (!this.batches) this.batches = this.loader.batches(this.epoch);
    const next = this.batches.next();
    if (next.done) throw new ValueError('train: the loader ran out of batches mid-epoch');
    const b = next.value;
    const ticks = perNet((net) => {
      const t0 = performance.now();
      const r = tidy(() => trainStep('natural', { model: this.models[net], optimizer: this.optimizers[net], gen: this.gen }, b.images, b.labels, this.method, this.free));
      const s = this.sums[net];
      s.loss += r.loss * r.count;
      s.correct += r.correct;
      s.seen += r.count;
      s.ms += performance.now() - t0;
      s.steps++;
      return { loss: s.loss / s.seen, accuracy: s.correct / s.seen, batchLoss: r.loss, batchAccuracy: r.correct / r.count, msPerStep: s.ms / s.steps };
    });
    b.images.dispose();
    b.labels.dispose();
    this.done++;
    const report: StepReport = { step: this.done, steps: this.steps, epoch: this.epoch, nets: ticks };
    if (this.done % this.loader.length === 0) {
      report.epochResult = perNet((net) => ({
        loss: ticks[net].loss, trainAccuracy: ticks[net].accuracy, testAccuracy: accuracyOn(this.models[net], this.test),
      }));
      this.history.push(report.epochResult);
      this.epoch++;
      this.batches = null;
      this.sums = perNet(() => ({ loss: 0, correct: 0, seen: 0, ms: 0, steps: 0 }));
    }
    return report;
  }
}

/** Clean accuracy of `model` (put in eval mode) on a dataset, in batches of 250. */
export function accuracyOn(model: Module, ds: ImageDataset): number {
  model.eval();
  const n = ds.shape[0];
  let correct = 0;
  for (let s = 0; s < n; s += 250) {
    const idx = Int32Array.from({ length: Math.min(250, n - s) }, (_, i) => s + i);
    correct += noGrad(() => tidy(() => {
      const { images, labels } = batchToTensors(gatherBatch(ds, idx));
      return countCorrect(model.forward(images).argmax(1).dataSync(), labels.dataSync());
    }));
  }
  return correct / n;
}


