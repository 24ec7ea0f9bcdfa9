import { DTypeError, ShapeError, fmtShape, isFloat, type DType } from '@kwta/core';
import type { Module, StateDict } from './module.js';

/** What a file says about one tensor, before any of its bytes are read. */
export interface FileTensorInfo {
  shape: readonly number[];
  /** The engine dtype its elements naturally become. */
  dtype: DType;
  /** The file's own name for its element type, for messages (F16, int64, ...). */
  fileType: string;
}

/**
 * Check a file's tensors against a model's state dict — keys (when strict), shapes and dtype
 * kinds — before any tensor is decoded, so a wrong file costs no allocation. Returns, for each
 * file entry the model uses, the dtype to decode it to (the model's: float files load into
 * float parameters of either width, as PyTorch's copy_ does). `keyError` builds the error for
 * missing/unexpected keys (each format has its own error class).
 */
export function planAgainstModel(
  source: string, model: Module, entries: ReadonlyMap<string, FileTensorInfo>, strict: boolean, keyError: (message: string) => Error,
): Map<string, DType> {
  const own: StateDict = model.stateDict();
  if (strict) {
    const missing = [...own.keys()].filter((k) => !entries.has(k));
    const unexpected = [...entries.keys()].filter((k) => !own.has(k));
    if (missing.length || unexpected.length) {
      throw keyError(
        `${source}: tensors do not match ${model.constructor.name}` +
          (missing.length ? `; missing: ${missing.join(', ')}` : '') +
          (unexpected.length ? `; unexpected: ${unexpected.join(', ')}` : ''),
      );
    }
  }
  const plan = new Map<string, DType>();
  for (const [key, target] of own) {
    const e = entries.get(key);
    if (!e) continue;
    if (e.shape.join() !== target.shape.join()) {
      throw new ShapeError(`${source}: tensor '${key}' has shape ${fmtShape(e.shape)} in the file but ${fmtShape(target.shape)} in ${model.constructor.name}`);
    }
    const compatible = e.dtype === target.dtype || (isFloat(e.dtype) && isFloat(target.dtype));
    if (!compatible) throw new DTypeError(`${source}: tensor '${key}' is ${e.fileType} in the file but ${target.dtype} in ${model.constructor.name}`);
    plan.set(key, target.dtype);
  }
  return plan;
}
