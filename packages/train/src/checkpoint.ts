import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, writeSync, existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
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
}

export interface EpochRecord {
  epoch: number;
  lr: number;
  gamma: number | null;
  loss: number;
  trainAccuracy: number;
  seconds: number;
}

export const CHECKPOINT_FILE = 'checkpoint.safetensors';

/**
 * Write model weights, optimizer state, RNG states and history to `dir/checkpoint.safetensors`
 * atomically: the bytes go to a temporary file in the same directory, are fsynced, and the file is
 * renamed over the old checkpoint, so a kill at any moment leaves the previous checkpoint or the
 * new one, never a torn file.
 */
export function saveCheckpoint(dir: string, model: Module, optimizer: Optimizer, meta: Omit<CheckpointMeta, 'format' | 'optimizer' | 'hasFreeDelta'>, freeDelta: Tensor | null): string {
  const opt: OptimizerStateDict = optimizer.stateDict();
  const tensors = new Map<string, Tensor>();
  for (const [k, t] of model.stateDict()) tensors.set(`model.${k}`, t);
  for (const [k, t] of opt.tensors) tensors.set(`optimizer.${k}`, t);
  if (freeDelta) tensors.set('free.delta', freeDelta);
  const full: CheckpointMeta = { format: 'kwta-checkpoint-1', ...meta, optimizer: { name: optimizer.name, hyper: opt.hyper, steps: opt.steps }, hasFreeDelta: !!freeDelta };
  const bytes = encodeSafetensors(tensors, { kwta: JSON.stringify(full) });
  for (const t of opt.tensors.values()) t.dispose();
  const path = join(dir, CHECKPOINT_FILE);
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, bytes);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  return path;
}

export interface LoadedCheckpoint {
  meta: CheckpointMeta;
  freeDelta: Tensor | null;
}

/** Read a checkpoint into `model` and `optimizer` (validated before anything is replaced). */
export function loadCheckpoint(dir: string, model: Module, optimizer: Optimizer): LoadedCheckpoint {
  const path = join(dir, CHECKPOINT_FILE);
  if (!existsSync(path)) throw new ValueError(`loadCheckpoint: no checkpoint at ${path}`);
  const { tensors, metadata } = decodeSafetensors(readFileSync(path), { source: path });
  let meta: CheckpointMeta;
  try {
    meta = JSON.parse(metadata.kwta ?? '') as CheckpointMeta;
  } catch {
    throw new ValueError(`loadCheckpoint: ${path} has no kwta metadata (is it a checkpoint written by @kwta/train?)`);
  }
  if (meta.format !== 'kwta-checkpoint-1') throw new ValueError(`loadCheckpoint: ${path} has unknown format '${String(meta.format)}'`);
  if (meta.optimizer.name !== optimizer.name) {
    throw new ValueError(`loadCheckpoint: ${path} was written with optimizer ${meta.optimizer.name}, resuming with ${optimizer.name}`);
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
    throw new ValueError(`loadCheckpoint: ${path}: ${(e as Error).message}`);
  }
  const freeDelta = tensors.get('free.delta') ?? null;
  for (const [k, t] of tensors) if (k !== 'free.delta') t.dispose();
  return { meta, freeDelta };
}
