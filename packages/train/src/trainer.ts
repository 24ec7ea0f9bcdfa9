import { Generator, ValueError, countCorrect, noGrad, tidy } from '@kwta/core';
import type { DataLoader } from '@kwta/datasets';
import { setSparsity, type Module } from '@kwta/nn';
import { applySchedule, type IncrementalSparsity, type LRSchedule, type Optimizer } from '@kwta/optim';
import type { CheckpointStore, EpochRecord } from './checkpoint.js';
import { FreeState, resolveMethodOptions, trainStep, type Method, type MethodOptions } from './methods.js';

export interface TrainProgress {
  epoch: number;
  epochs: number;
  batch: number;
  batches: number;
  /** Running mean loss and training accuracy over the epoch so far. */
  loss: number;
  accuracy: number;
  elapsedSeconds: number;
  /** Estimated seconds left for the whole run, from the pace so far. */
  etaSeconds: number;
}

export interface TrainOptions extends MethodOptions {
  method: Method;
  epochs: number;
  /** Seeds every random choice of training (random starts, noise); the loader has its own. */
  seed: number;
  schedule?: LRSchedule;
  /** The paper's incremental sparsity: gamma for each epoch, applied with setSparsity. */
  sparsity?: IncrementalSparsity;
  /** Save a checkpoint here after every epoch (`directoryCheckpoints(dir)` from @kwta/train/node). */
  checkpoints?: CheckpointStore;
  /** Continue from the store's checkpoint when there is one (default true). */
  resume?: boolean;
  /** Called as training advances. */
  onProgress?: (p: TrainProgress) => void;
  /** Called with each epoch's record. */
  onEpoch?: (r: EpochRecord) => void;
  /** Recorded in checkpoints so a run can say how it was made. */
  config?: Record<string, unknown>;
}

export interface TrainResult {
  history: EpochRecord[];
  /** Epoch the run started from (> 0 after a resume). */
  resumedFrom: number;
}

/**
 * Train `model` with one of the paper's methods. Each epoch: set the learning rate and sparsity
 * for the epoch, run every batch of the loader's epoch-e order, then checkpoint. Epoch e's
 * random choices come from a generator forked from the run generator at the start of the epoch,
 * and the run generator's state is checkpointed, so a resumed run replays exactly what an
 * uninterrupted one does and ends with the same weights.
 */
export function train(model: Module, optimizer: Optimizer, loader: DataLoader, opts: TrainOptions): TrainResult {
  if (!Number.isInteger(opts.epochs) || opts.epochs < 0) throw new ValueError(`train: epochs must be a non-negative integer, got ${opts.epochs}`);
  const mo = resolveMethodOptions(opts.method, opts);
  const runGen = new Generator(opts.seed);
  const free = new FreeState();
  let history: EpochRecord[] = [];
  let start = 0;
  const resumed = opts.checkpoints && (opts.resume ?? true) ? opts.checkpoints.load(model, optimizer) : null;
  if (resumed) {
    runGen.setState(resumed.meta.rng.run);
    history = resumed.meta.history;
    start = resumed.meta.epoch;
    free.delta = resumed.freeDelta ? resumed.freeDelta.keep() : null;
  }
  const begun = Date.now();
  const batchesPerEpoch = Math.max(1, loader.length);
  const totalBatches = (opts.epochs - start) * batchesPerEpoch;
  let batchesDone = 0;
  for (let epoch = start; epoch < opts.epochs; epoch++) {
    const epochStart = Date.now();
    const lr = opts.schedule ? applySchedule(optimizer, opts.schedule, epoch) : optimizer.lr;
    const gamma = opts.sparsity ? opts.sparsity.gammaAt(epoch) : null;
    if (gamma !== null) setSparsity(model, gamma);
    const gen = runGen.fork();
    let lossSum = 0, correct = 0, seen = 0, batch = 0;
    for (const b of loader.batches(epoch)) {
      const r = tidy(() => {
        try {
          return trainStep(opts.method, { model, optimizer, gen }, b.images, b.labels, mo, free);
        } finally {
          b.images.dispose();
          b.labels.dispose();
        }
      });
      if (!Number.isFinite(r.loss)) throw new ValueError(`train: loss became ${r.loss} at epoch ${epoch}, batch ${batch} (learning rate ${optimizer.lr} too high?)`);
      lossSum += r.loss * r.count;
      correct += r.correct;
      seen += r.count;
      batch++;
      batchesDone++;
      const elapsed = (Date.now() - begun) / 1000;
      opts.onProgress?.({
        epoch, epochs: opts.epochs, batch, batches: batchesPerEpoch,
        loss: lossSum / seen, accuracy: correct / seen,
        elapsedSeconds: elapsed, etaSeconds: (elapsed / batchesDone) * (totalBatches - batchesDone),
      });
    }
    const record: EpochRecord = {
      epoch, lr, gamma, loss: seen ? lossSum / seen : NaN, trainAccuracy: seen ? correct / seen : NaN,
      seconds: (Date.now() - epochStart) / 1000,
    };
    history.push(record);
    if (opts.checkpoints) {
      opts.checkpoints.save(model, optimizer, {
        epoch: epoch + 1, rng: { run: runGen.getState(), modules: model.generatorStates() }, history, config: opts.config ?? {},
      }, free.delta);
    }
    opts.onEpoch?.(record);
  }
  free.reset();
  model.eval();
  return { history, resumedFrom: start };
}

/** Clean accuracy of `model` (eval mode) over a loader's batches. */
export function evaluateAccuracy(model: Module, loader: DataLoader, epoch = 0): number {
  model.eval();
  let correct = 0, seen = 0;
  for (const b of loader.batches(epoch)) {
    correct += noGrad(() => tidy(() => countCorrect(model.forward(b.images).argmax(1).dataSync(), b.labels.dataSync())));
    seen += b.labels.shape[0];
    b.images.dispose();
    b.labels.dispose();
  }
  return seen ? correct / seen : NaN;
}
