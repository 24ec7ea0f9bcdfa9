import { ValueError, type Tensor } from '@kwta/core';
import { decodeSafetensors, encodeSafetensors, type Module } from '@kwta/nn';
import type { Optimizer, OptimizerStateDict } from '@kwta/optim';

/** What a checkpoint records besides tensors: enough to continue exactly where it stopped. */
export interface CheckpointMeta {
  format: 'kwta-checkpoint-1';
  /** Epochs completed. */
  epoch: number;
  optimizer: { name: string; hyper: Record<string, number | boolean>; steps: number[] };
  /** States of the run's generator and of every generator the model registers (`Module.generatorStates`: dropout masks). */
  rng: { run: number[]; modules: Record<string, number[]> };
  /** Free training's perturbation carries over batches and epochs. */
  hasFreeDelta: boolean;
  history: EpochRecord[];
  config: Record<string, unknown>;
  /** Set when the checkpoint was taken inside epoch `epoch` (`checkpointEvery`): where and how far it got. */
  partial?: PartialEpoch;
}

/** An epoch stopped after `batch` batches: its generator and running sums, so the rest replays exactly. */
export interface PartialEpoch {
  batch: number;
  gen: number[];
  lossSum: number;
  correct: number;
  seen: number;
  seconds: number;
}

/** One epoch's record: learning rate, sparsity ratio, loss, training accuracy and time. */
export interface EpochRecord {
  epoch: number;
  lr: number;
  gamma: number | null;
  loss: number;
  trainAccuracy: number;
  seconds: number;
}

/** Everything a checkpoint restores: the metadata and free training's perturbation. */
export interface LoadedCheckpoint {
  meta: CheckpointMeta;
  freeDelta: Tensor | null;
}

/**
 * Where `train` keeps its per-epoch checkpoint: `directoryCheckpoints(dir)` of
 * `@kwta/train/node` writes files atomically; anything else (memory, browser storage) works too.
 */
export interface CheckpointStore {
  /** Load the stored checkpoint into model and optimizer, or return null when there is none. */
  load(model: Module, optimizer: Optimizer): LoadedCheckpoint | null;
  /** Store the model, the optimizer, the run's metadata and free training's perturbation. */
  save(model: Module, optimizer: Optimizer, meta: Omit<CheckpointMeta, 'format' | 'optimizer' | 'hasFreeDelta'>, freeDelta: Tensor | null): void;
}

/**
 * Model weights, optimizer state, RNG states and history as safetensors bytes (the metadata in
 * the header), what a checkpoint file holds.
 */
export function encodeCheckpoint(model: Module, optimizer: Optimizer, meta: Omit<CheckpointMeta, 'format' | 'optimizer' | 'hasFreeDelta'>, freeDelta: Tensor | null): Uint8Array {
  const opt: OptimizerStateDict = optimizer.stateDict();
  const tensors = new Map<string, Tensor>();
  for (const [k, t] of model.stateDict()) tensors.set(`model.${k}`, t);
  for (const [k, t] of opt.tensors) tensors.set(`optimizer.${k}`, t);
  if (freeDelta) tensors.set('free.delta', freeDelta);
  const full: CheckpointMeta = { format: 'kwta-checkpoint-1', ...meta, optimizer: { name: optimizer.name, hyper: opt.hyper, steps: opt.steps }, hasFreeDelta: !!freeDelta };
  const bytes = encodeSafetensors(tensors, { kwta: JSON.stringify(full) });
  for (const t of opt.tensors.values()) t.dispose();
  return bytes;
}

/** Read checkpoint bytes into `model` and `optimizer` (validated before anything is replaced); `source` names them in errors. */
export function decodeCheckpoint(bytes: Uint8Array, source: string, model: Module, optimizer: Optimizer): LoadedCheckpoint {
  const { tensors, metadata } = decodeSafetensors(bytes, { source });
  let meta: CheckpointMeta;
  try {
    meta = JSON.parse(metadata.kwta ?? '') as CheckpointMeta;
  } catch {
    throw new ValueError(`loadCheckpoint: ${source} has no kwta metadata (is it a checkpoint written by @kwta/train?)`);
  }
  if (meta.format !== 'kwta-checkpoint-1') throw new ValueError(`loadCheckpoint: ${source} has unknown format '${String(meta.format)}'`);
  if (meta.optimizer.name !== optimizer.name) {
    throw new ValueError(`loadCheckpoint: ${source} was written with optimizer ${meta.optimizer.name}, resuming with ${optimizer.name}`);
  }
  const weights = new Map<string, Tensor>(), optState = new Map<string, Tensor>();
  for (const [k, t] of tensors) {
    if (k.startsWith('model.')) weights.set(k.slice(6), t);
    else if (k.startsWith('optimizer.')) optState.set(k.slice(10), t);
  }
  model.loadStateDict(weights, { strict: true });
  optimizer.loadStateDict({ hyper: meta.optimizer.hyper, steps: meta.optimizer.steps, tensors: optState });
  try {
    model.loadGeneratorStates(meta.rng.modules);
  } catch (e) {
    throw new ValueError(`loadCheckpoint: ${source}: ${(e as Error).message}`);
  }
  const freeDelta = tensors.get('free.delta') ?? null;
  for (const [k, t] of tensors) if (k !== 'free.delta') t.dispose();
  return { meta, freeDelta };
}
