import { runOp } from '../autodiff/op.js';
import { ShapeError, ValueError } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { where } from './elementwise.js';
import { reshape, takeAlong } from './layout.js';
import { checkAlive, checkNumeric } from './util.js';
import { markExactK } from './sparse/structure.js';

function checkK(op: string, x: Tensor, k: number): void {
  checkAlive(op, x);
  checkNumeric(op, x);
  if (x.rank === 0) throw new ShapeError(`${op}: needs at least one axis, got a scalar`);
  const n = x.shape[x.rank - 1];
  if (!Number.isInteger(k) || k < 1 || k > n) throw new ValueError(`${op}: k must be an integer in [1, ${n}] for rows of length ${n}, got ${k}`);
}

/**
 * The k largest values of each row (last axis), in descending order, and their int32 indices.
 * Equal values keep the lower index first. Values carry gradients (through `takeAlong`).
 */
export function topk(x: Tensor, k: number): { values: Tensor; indices: Tensor } {
  checkK('topk', x, k);
  const [indices] = runOp('topk', [x], { k });
  return { values: takeAlong(x, indices), indices };
}

/** A bool mask marking exactly k winners per row (last axis); ties go to the lower index. */
export function topkMask(x: Tensor, k: number): Tensor {
  checkK('topkMask', x, k);
  const mask = runOp('topkMask', [x], { k })[0];
  markExactK(mask, k);
  return mask;
}

/**
 * k-Winners-Take-All over everything after the batch axis: per sample keep the k largest values
 * of the flattened features, zero the rest. Gradient flows to the winners only.
 */
export function kWinners(x: Tensor, k: number): Tensor {
  if (x.rank < 2) throw new ShapeError(`kWinners: input must be [N, ...features], got ${x.describe()}`);
  const rows = reshape(x, [x.shape[0], -1]);
  const mask = topkMask(rows, k);
  return reshape(where(mask, rows, 0), x.shape);
}
