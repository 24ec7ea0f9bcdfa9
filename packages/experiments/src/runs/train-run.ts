import { join } from 'node:path';
import { Generator, ValueError, type Tensor } from '@kwta/core';
import { DataLoader, randomCrop } from '@kwta/datasets';
import { activationLabel, buildModel, parseActivation } from '@kwta/nn';
import { Adam, IncrementalSparsity, MultiStepLR, SGD, type Optimizer } from '@kwta/optim';
import { METHODS, evaluateAccuracy, formatProgress, train, type EpochRecord } from '@kwta/train';
import { writeJson } from '../files.js';
import { loadDataset } from './datasets.js';
import { definitionOf, type RunDefinition } from './definition.js';
import { openRun, type RunMode } from './open-run.js';
import { silentProgress, type ProgressFactory } from './progress.js';
import { CONFIG_FILE, saveRun, type RunConfig } from './run-dir.js';
import { directoryCheckpoints } from '@kwta/train/node';

/** Everything a training run is made of (what `kwta train` takes): its definition, where it goes, how to treat what is there. */
export interface TrainRunOptions extends RunDefinition {
  out: string;
  /** What to do with a run already in `out` (default 'auto': resume the same definition, refuse another). */
  mode?: RunMode;
  /** Held-out examples the final accuracy is measured on (default: the whole test split). */
  testLimit?: number;
  /** Checkpoint inside an epoch too, after every this many batches (a kill then loses at most that many). */
  checkpointEvery?: number;
  /** Shows the batches done (default: silent). */
  progress?: ProgressFactory;
  /** Called with each epoch's record as it ends, after its checkpoint (a throw stops the run there). */
  onEpoch?: (r: EpochRecord) => void;
}

/** What a training run reports: its directory, label, test accuracy, time and per-epoch history. */
export interface TrainSummary {
  out: string;
  label: string;
  testAccuracy: number;
  /** This call's wall time: since it started, or resumed from a checkpoint (each epoch's own is in history). */
  seconds: number;
  history: { epoch: number; loss: number; trainAccuracy: number; lr: number; gamma: number | null; seconds: number }[];
}

function makeOptimizer(o: TrainRunOptions, params: Iterable<Tensor>): Optimizer {
  if (o.optimizer === 'adam') return new Adam(params, { lr: o.lr, weightDecay: o.weightDecay });
  if (o.optimizer === 'sgd') return new SGD(params, { lr: o.lr, momentum: o.momentum, weightDecay: o.weightDecay });
  throw new ValueError(`unknown optimizer '${String(o.optimizer)}' (expected sgd or adam)`);
}

/**
 * Build, train and save a registered model: the run directory `o.out` then holds config.json
 * (the whole definition), model.safetensors, the last checkpoint and train.json, everything
 * evaluation needs. The directory is checked before any work (openRun): writable, and holding
 * nothing, or the same run (resumed from its checkpoint), unless `mode` says otherwise.
 */
export function runTrain(o: TrainRunOptions): TrainSummary {
  if (!METHODS.includes(o.method)) throw new ValueError(`unknown method '${o.method}' (expected ${METHODS.join(', ')})`);
  const act = parseActivation(o.activation);
  const definition = definitionOf(o);
  openRun(o.out, definition, o.mode);
  const trainSet = loadDataset(o.dataset, 'train', o.trainLimit);
  const testSet = loadDataset(o.dataset, 'test', o.testLimit);
  const [, c, h] = trainSet.shape;
  const config: RunConfig = { ...definition, inChannels: c, inputSize: h, numClasses: trainSet.numClasses };
  // Recorded before training, so a run killed midway is resumed, not mistaken for another.
  writeJson(join(o.out, CONFIG_FILE), config);
  const model = buildModel({ name: o.model, activation: act, hidden: o.hidden, seed: o.seed, inChannels: c, inputSize: h, numClasses: trainSet.numClasses });
  const optimizer = makeOptimizer(o, model.parameters());
  const loader = new DataLoader(trainSet, { batchSize: o.batchSize, shuffle: true, seed: new Generator(o.seed + 1), ...(o.cropPadding ? { transform: randomCrop({ padding: o.cropPadding }) } : {}) });
  let sparsity: IncrementalSparsity | undefined;
  if (o.sparsity) {
    const [gamma0, gamma1, delta, initialEpochs, epochsPerStep] = o.sparsity;
    sparsity = new IncrementalSparsity({ gamma0, gamma1, delta, initialEpochs, epochsPerStep });
  }
  const label = `${o.model} ${activationLabel(act)} ${o.method}`;
  const batches = Math.ceil(trainSet.labels.length / o.batchSize) * o.epochs;
  const bar = (o.progress ?? silentProgress)(`train ${label}`, batches);
  const started = Date.now();
  const result = train(model, optimizer, loader, {
    method: o.method, epochs: o.epochs, seed: o.seed + 2, eps: o.eps, attackSteps: o.attackSteps,
    tradesBeta: o.tradesBeta, freeReplays: o.freeReplays,
    schedule: o.milestones.length ? new MultiStepLR({ baseLr: o.lr, milestones: o.milestones, gamma: 0.1 }) : undefined,
    sparsity, checkpoints: directoryCheckpoints(o.out), checkpointEvery: o.checkpointEvery, config,
    epsSchedule: o.epsRampEpochs ? (e) => o.eps * Math.min(1, (e + 1) / o.epsRampEpochs!) : undefined,
    // Batches done over the whole run, so a resumed run's bar starts where the checkpoint left it.
    onProgress: (p) => bar.update(p.epoch * p.batches + p.batch, formatProgress(p)),
    ...(o.onEpoch ? { onEpoch: o.onEpoch } : {}),
  });
  bar.stop();
  const testAccuracy = evaluateAccuracy(model, new DataLoader(testSet, { batchSize: 250, shuffle: false }));
  saveRun(o.out, config, model);
  const summary: TrainSummary = { out: o.out, label, testAccuracy, seconds: (Date.now() - started) / 1000, history: result.history };
  writeJson(join(o.out, 'train.json'), summary);
  model.dispose();
  return summary;
}
