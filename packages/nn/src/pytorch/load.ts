import { checkFiniteValues, type FiniteOptions } from '../finite.js';
import { planAgainstModel } from '../load-plan.js';
import type { Module, StateDict } from '../module.js';
import { CheckpointError } from './errors.js';
import { readTorchCheckpoint, type ReadCheckpointOptions, type TorchCheckpoint } from './state-dict.js';
import type { TorchFormat } from './torch-file.js';

/** Options of loading a PyTorch checkpoint into a module: the reader's options, strict name matching and the finite check. */
export interface LoadCheckpointOptions extends ReadCheckpointOptions, FiniteOptions {
  /** Require exactly the model's names (default true, as PyTorch). Shapes must always match. */
  strict?: boolean;
}

/** What loading a checkpoint did: its source and format, the tensors loaded, and notes for the user. */
export interface LoadReport {
  source: string;
  format: TorchFormat;
  /** Tensors copied into the model. */
  loaded: number;
  /** What the reader did beyond reading (wrapper, prefix, ignored entries), to show the user. */
  notes: readonly string[];
}

/**
 * Load a read checkpoint into `model`: names, shapes and dtype kinds are checked against the
 * model before any tensor is decoded; each tensor is then decoded straight into the model's
 * dtype (float64 → float32 rounds to nearest) and copied in place.
 */
export function loadCheckpointInto(model: Module, ckpt: TorchCheckpoint, strict = true, checkFinite = true): LoadReport {
  const info = new Map([...ckpt.entries].map(([name, t]) => [name, { shape: t.shape, dtype: t.dtype, fileType: t.torchDType }]));
  const plan = planAgainstModel(ckpt.source, model, info, strict, (m) => new CheckpointError(m));
  const dict: StateDict = new Map();
  try {
    for (const [name, dtype] of plan) {
      const t = ckpt.tensor(name, dtype);
      dict.set(name, t);
      if (checkFinite) checkFiniteValues(ckpt.source, name, t.dataSync(), t.shape, (m) => new CheckpointError(m));
    }
    model.loadStateDict(dict, { strict });
  } finally {
    for (const t of dict.values()) t.dispose();
  }
  const unused = [...ckpt.entries.keys()].filter((k) => !plan.has(k));
  const notes = unused.length ? [...ckpt.notes, `not in ${model.constructor.name}, not loaded: ${unused.join(', ')}`] : ckpt.notes;
  return { source: ckpt.source, format: ckpt.format, loaded: plan.size, notes };
}

/** Read a `torch.save` file held in memory (browser or Node) and load it into `model`. */
export function loadTorchCheckpointBytes(model: Module, bytes: Uint8Array, opts: LoadCheckpointOptions = {}): LoadReport {
  return loadCheckpointInto(model, readTorchCheckpoint(bytes, opts), opts.strict ?? true, opts.checkFinite ?? true);
}
