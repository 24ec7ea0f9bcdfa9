import type { ReduceOp } from '../backend.js';
import { ValueError } from '../errors.js';
import { normalizeAxes, normalizeAxis, reducedShape, sizeOf } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { runOp } from '../autodiff/op.js';
import { add, exp, log, sub } from './elementwise.js';
import { reshape } from './layout.js';
import { checkAlive, checkFloat, checkNumeric } from './util.js';

function reduceOp(op: ReduceOp, x: Tensor, axes: number | readonly number[] | undefined, keepDims: boolean): Tensor {
  checkAlive(op, x);
  checkNumeric(op, x);
  const ax = normalizeAxes(op, axes, x.rank);
  if (op !== 'sum') {
    for (const a of ax) if (x.shape[a] === 0) throw new ValueError(`${op}: cannot reduce an empty axis ${a} of ${x.describe()}`);
  }
  const [y] = runOp('reduce', [x], { op, axes: ax });
  return keepDims ? reshape(y, reducedShape(x.shape, ax, true)) : y;
}

/** Sum over axes (all by default). */
export const sum = (x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor => reduceOp('sum', x, axes, keepDims);
/** Max over axes; tied maxima share the gradient equally (as PyTorch's amax). */
export const max = (x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor => reduceOp('max', x, axes, keepDims);
/** The minimum over `axes` (all by default), keeping them as size 1 if `keepDims`. */
export const min = (x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor => reduceOp('min', x, axes, keepDims);

/** The mean over `axes` (all by default), keeping them as size 1 if `keepDims`. */
export function mean(x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor {
  checkFloat('mean', x);
  const ax = normalizeAxes('mean', axes, x.rank);
  const n = sizeOf(ax.map((a) => x.shape[a]));
  if (n === 0) throw new ValueError(`mean: reducing ${x.describe()} over an empty set of elements`);
  const s = sum(x, ax, keepDims);
  return s.mul(1 / n);
}

/** Variance (biased by default, as BatchNorm uses). */
export function variance(x: Tensor, axes?: number | readonly number[], keepDims = false, unbiased = false): Tensor {
  const ax = normalizeAxes('variance', axes, x.rank);
  const n = sizeOf(ax.map((a) => x.shape[a]));
  const d = sub(x, mean(x, ax, true));
  const s = sum(d.mul(d), ax, keepDims);
  return s.mul(1 / (unbiased ? n - 1 : n));
}

function argReduce(op: 'argmax' | 'argmin', x: Tensor, axis: number): Tensor {
  checkAlive(op, x);
  checkNumeric(op, x);
  const a = normalizeAxis(op, axis, x.rank);
  if (x.shape[a] === 0) throw new ValueError(`${op}: axis ${a} of ${x.describe()} is empty`);
  return runOp('argReduce', [x], { op, axis: a })[0];
}

/** Index of the largest value along `axis` (first one on ties), int32. */
export const argmax = (x: Tensor, axis = -1): Tensor => argReduce('argmax', x, axis);
/** The index of the smallest element along `axis` (int32; ties to the lower index). */
export const argmin = (x: Tensor, axis = -1): Tensor => argReduce('argmin', x, axis);

/** log(sum(exp(x))) over axes, shifted by the (constant) max for stability. */
export function logsumexp(x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor {
  checkFloat('logsumexp', x);
  const ax = normalizeAxes('logsumexp', axes, x.rank);
  const m = max(x, ax, true).detach();
  const s = add(log(sum(exp(sub(x, m)), ax, true)), m);
  return keepDims ? s : reshape(s, reducedShape(x.shape, ax, false));
}
