import { Generator, ValueError, countCorrect, noGrad, tidy } from '@kwta/core';
import type { DataLoader } from '@kwta/datasets';
import { setSparsity, type Module } from '@kwta/nn';
import { applySchedule, type IncrementalSparsity, type LRSchedule, type Optimizer } from '@kwta/optim';
import type { CheckpointStore, EpochRecord, PartialEpoch } from './checkpoint.js';
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
  /**
   * Also checkpoint inside an epoch, after every this many batches (default: only at epoch ends),
   * so a kill loses at most that many batches of a long epoch; the resumed run replays the rest
   * of the epoch exactly.
   */
  checkpointEvery?: number;
  /** The adversary's radius per epoch (an eps ramp for at / trades / free); default `eps` throughout. */
  epsSchedule?: (epoch: number) => number;
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
  const every = opts.checkpointEvery;
  if (every !== undefined && (!Number.isInteger(every) || every < 1)) throw new ValueError(`train: checkpointEvery must be a positive integer (batches), got ${every}`);
  const optionsAt = (epoch: number) => resolveMethodOptions(opts.method, opts.epsSchedule ? { ...opts, eps: opts.epsSchedule(epoch) } : opts);
  optionsAt(0);
  const runGen = new Generator(opts.seed);
  const free = new FreeState();
  let history: EpochRecord[] = [];
  let start = 0;
  let partial: PartialEpoch | null = null;
  const resumed = opts.checkpoints && (opts.resume ?? true) ? opts.checkpoints.load(model, optimizer) : null;
  if (resumed) {
    runGen.setState(resumed.meta.rng.run);
    history = resumed.meta.history;
    start = resumed.meta.epoch;
    partial = resumed.meta.partial ?? null;
    free.delta = resumed.freeDelta ? resumed.freeDelta.keep() : null;
  }
  const begun = Date.now();
  const batchesPerEpoch = Math.max(1, loader.length);
  const totalBatches = (opts.epochs - start) * batchesPerEpoch - (partial?.batch ?? 0);
  let batchesDone = 0;
  const save = (epochsDone: number, inEpoch?: PartialEpoch) => opts.checkpoints?.save(model, optimizer, {
    epoch: epochsDone, rng: { run: runGen.getState(), modules: model.generatorStates() }, history, config: opts.config ?? {},
    ...(inEpoch ? { partial: inEpoch } : {}),
  }, free.delta);
  for (let epoch = start; epoch < opts.epochs; epoch++) {
    const epochStart = Date.now();
    const lr = opts.schedule ? applySchedule(optimizer, opts.schedule, epoch) : optimizer.lr;
    const gamma = opts.sparsity ? opts.sparsity.gammaAt(epoch) : null;
    if (gamma !== null) setSparsity(model, gamma);
    const mo = optionsAt(epoch);
    // A resumed partial epoch continues with its own generator; a fresh epoch forks the run's.
    const gen = partial ? new Generator(0) : runGen.fork();
    if (partial) gen.setState(partial.gen);
    let lossSum = partial?.lossSum ?? 0, correct = partial?.correct ?? 0, seen = partial?.seen ?? 0, batch = partial?.batch ?? 0;
    const earlier = partial?.seconds ?? 0;
    partial = null;
    for (const b of loader.batches(epoch, batch)) {
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
      if (every !== undefined && batch % every === 0 && batch < batchesPerEpoch) {
        save(epoch, { batch, gen: gen.getState(), lossSum, correct, seen, seconds: earlier + (Date.now() - epochStart) / 1000 });
      }
      const elapsed = (Date.now() - begun) / 1000;
      opts.onProgress?.({
        epoch, epochs: opts.epochs, batch, batches: batchesPerEpoch,
        loss: lossSum / seen, accuracy: correct / seen,
        elapsedSeconds: elapsed, etaSeconds: (elapsed / batchesDone) * (totalBatches - batchesDone),
      });
    }
    const record: EpochRecord = {
      epoch, lr, gamma, loss: seen ? lossSum / seen : NaN, trainAccuracy: seen ? correct / seen : NaN,
      seconds: earlier + (Date.now() - epochStart) / 1000,
    };
    history.push(record);
    save(epoch + 1);
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
