import { runOp } from '../autodiff/op.js';
import type { SgdAttrs } from '../backend.js';
import { ShapeError, ValueError } from '../errors.js';
import { shapesEqual } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { checkAlive, checkFloat, checkSameDType } from './util.js';

/** Options of {@link sgdUpdate}: PyTorch's SGD hyperparameters, and whether to update in place. */
export interface SgdUpdateOptions {
  lr: number;
  momentum?: number;
  dampening?: number;
  weightDecay?: number;
  nesterov?: boolean;
  /**
   * The caller replaces `param` and `buffer` with the results (as an optimizer does with
   * `assign`): where nothing else shares their storage, the backend may write the results into
   * it instead of new memory (the wasm backend does), so a step needs no second copy of the
   * weights. `param` and `buffer` must not be used afterwards except through the results.
   */
  inPlace?: boolean;
}

/**
 * One step of PyTorch's SGD on one parameter, in a single pass over memory (the `sgdUpdate`
 * kernel): returns the new parameter and, with momentum, the new momentum buffer (pass the
 * previous one, or null on the first step). Bit for bit what the same update written with
 * add/mul/sub gives; no gradient is recorded. What @kwta/optim's SGD runs (`inPlace`).
 */
export function sgdUpdate(param: Tensor, grad: Tensor, buffer: Tensor | null, opts: SgdUpdateOptions): { param: Tensor; buffer: Tensor | null } {
  const attrs: SgdAttrs = {
    lr: opts.lr, momentum: opts.momentum ?? 0, dampening: opts.dampening ?? 0, weightDecay: opts.weightDecay ?? 0, nesterov: opts.nesterov ?? false,
  };
  for (const key of ['lr', 'momentum', 'dampening', 'weightDecay'] as const) {
    const v = attrs[key];
    if (typeof v !== 'number' || !(v >= 0) || !Number.isFinite(v)) throw new ValueError(`sgdUpdate: ${key} must be a finite number >= 0, got ${v}`);
  }
  const operands = buffer && attrs.momentum !== 0 ? [param, grad, buffer] : [param, grad];
  checkAlive('sgdUpdate', ...operands);
  checkFloat('sgdUpdate', param, 'param');
  for (const [name, t] of [['grad', grad], ['buffer', operands[2]]] as const) {
    if (!t) continue;
    checkSameDType('sgdUpdate', param, t);
    if (!shapesEqual(t.shape, param.shape)) throw new ShapeError(`sgdUpdate: ${name} ${t.describe()} does not match param ${param.describe()}`);
  }
  // Only storage no other tensor or structure holds: anyone else would see the values change.
  const donated = opts.inPlace ? [0, 2].filter((i) => operands[i] && operands[i].storage.refs === 1 && !operands[i].storage.structure) : [];
  const [p, b] = runOp('sgdUpdate', operands, attrs, donated);
  return { param: p, buffer: b ?? null };
}
