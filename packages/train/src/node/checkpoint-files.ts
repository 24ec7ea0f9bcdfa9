import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ValueError, type Tensor } from '@kwta/core';
import type { Module } from '@kwta/nn';
import { writeFileAtomic } from '@kwta/nn/node';
import type { Optimizer } from '@kwta/optim';
import { decodeCheckpoint, encodeCheckpoint, type CheckpointMeta, type CheckpointStore, type LoadedCheckpoint } from '../checkpoint.js';

export const CHECKPOINT_FILE = 'checkpoint.safetensors';

/**
 * Write model weights, optimizer state, RNG states and history to `dir/checkpoint.safetensors`
 * atomically (@kwta/nn/node's writeFileAtomic: temporary file, fsync, rename), so a kill at any
 * moment leaves the previous checkpoint or the new one, never a torn file.
 */
export function saveCheckpoint(dir: string, model: Module, optimizer: Optimizer, meta: Omit<CheckpointMeta, 'format' | 'optimizer' | 'hasFreeDelta'>, freeDelta: Tensor | null): string {
  const bytes = encodeCheckpoint(model, optimizer, meta, freeDelta);
  const path = join(dir, CHECKPOINT_FILE);
  writeFileAtomic(path, bytes);
  return path;
}

/** Read `dir`'s checkpoint into `model` and `optimizer` (validated before anything is replaced). */
export function loadCheckpoint(dir: string, model: Module, optimizer: Optimizer): LoadedCheckpoint {
  const path = join(dir, CHECKPOINT_FILE);
  if (!existsSync(path)) throw new ValueError(`loadCheckpoint: no checkpoint at ${path}`);
  return decodeCheckpoint(readFileSync(path), path, model, optimizer);
}

/** `train`'s checkpoints as `dir/checkpoint.safetensors`, resumed from when the file exists. */
export function directoryCheckpoints(dir: string): CheckpointStore {
  return {
    load: (model, optimizer) => (existsSync(join(dir, CHECKPOINT_FILE)) ? loadCheckpoint(dir, model, optimizer) : null),
    save: (model, optimizer, meta, freeDelta) => void saveCheckpoint(dir, model, optimizer, meta, freeDelta),
  };
}
