import { DTypeError, ShapeError, ValueError, fmtShape } from '../errors.js';
import { broadcastShapes, inferReshape, normalizeAxis, shapesEqual, type Shape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { runOp, runView } from '../autodiff/op.js';
import { equal, where } from './elementwise.js';
import { arange, full, zeros } from './creation.js';
import { add } from './elementwise.js';
import { checkAlive, checkDType } from './util.js';

/** Same values, new shape (one -1 allowed). Shares storage: no copy. */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  checkAlive('reshape', x);
  return runView(x, inferReshape('reshape', x.shape, shape));
}

/** Collapse axes from `startAxis` on into one (default keeps the batch axis). */
export function flatten(x: Tensor, startAxis = 1): Tensor {
  const a = x.rank === 0 ? 0 : normalizeAxis('flatten', startAxis, x.rank);
  return reshape(x, [...x.shape.slice(0, a), -1]);
}

/** `x` with a new axis of size 1 at `axis` (a view). */
export function expandDims(x: Tensor, axis: number): Tensor {
  const a = normalizeAxis('expandDims', axis, x.rank + 1);
  const s = [...x.shape];
  s.splice(a, 0, 1);
  return reshape(x, s);
}

/** `x` without its size-1 axes, or only `axis` (which must have size 1). */
export function squeeze(x: Tensor, axis?: number): Tensor {
  if (axis === undefined) return reshape(x, x.shape.filter((d) => d !== 1));
  const a = normalizeAxis('squeeze', axis, x.rank);
  if (x.shape[a] !== 1) throw new ShapeError(`squeeze: axis ${a} of ${x.describe()} has size ${x.shape[a]}, not 1`);
  return reshape(x, x.shape.filter((_, i) => i !== a));
}

/** Permute axes (default: reverse them). */
export function transpose(x: Tensor, perm?: readonly number[]): Tensor {
  checkAlive('transpose', x);
  const p = perm ? perm.map((a) => normalizeAxis('transpose', a, x.rank)) : [...Array(x.rank).keys()].reverse();
  if (p.length !== x.rank || new Set(p).size !== p.length) {
    throw new ShapeError(`transpose: perm [${perm?.join(', ')}] is not a permutation of ${x.rank} axes for ${x.describe()}`);
  }
  if (p.every((a, i) => a === i)) return reshape(x, x.shape);
  return runOp('transpose', [x], { perm: p })[0];
}

/** Another name for {@link transpose} (PyTorch's `permute`). */
export const permute = transpose;

/**
 * x[begin : begin + size] per axis (size -1 means "to the end"); omitted trailing axes are
 * taken whole.
 */
export function slice(x: Tensor, begin: readonly number[], size?: readonly number[]): Tensor {
  checkAlive('slice', x);
  if (begin.length > x.rank) throw new ShapeError(`slice: ${begin.length} begin indices for ${x.describe()}`);
  const b = x.shape.map((_, i) => begin[i] ?? 0);
  const s = x.shape.map((d, i) => (size?.[i] === undefined || size[i] === -1 ? d - b[i] : size[i]));
  for (let i = 0; i < x.rank; i++) {
    if (!Number.isInteger(b[i]) || !Number.isInteger(s[i]) || b[i] < 0 || s[i] < 0 || b[i] + s[i] > x.shape[i]) {
      throw new ShapeError(`slice: begin ${fmtShape(b)} size ${fmtShape(s)} is outside ${x.describe()} on axis ${i}`);
    }
  }
  return runOp('slice', [x], { begin: b, size: s })[0];
}

/** Pad each axis with [before, after] elements of `value` (default zeros). */
export function pad(x: Tensor, paddings: readonly (readonly [number, number])[], value = 0): Tensor {
  checkAlive('pad', x);
  if (paddings.length !== x.rank) throw new ShapeError(`pad: ${paddings.length} paddings for ${x.describe()}`);
  for (const [a, b] of paddings) {
    if (!Number.isInteger(a) || !Number.isInteger(b) || a < 0 || b < 0) throw new ValueError(`pad: paddings must be non-negative integers, got [${a}, ${b}]`);
  }
  const p = paddings.map(([a, b]) => [a, b] as [number, number]);
  return runOp('pad', [x], { paddings: p, value })[0];
}

/** Join tensors along an existing axis. */
export function concat(xs: readonly Tensor[], axis = 0): Tensor {
  if (xs.length === 0) throw new ValueError('concat: need at least one tensor');
  checkAlive('concat', ...xs);
  const first = xs[0];
  const a = normalizeAxis('concat', axis, first.rank);
  for (const [i, t] of xs.entries()) {
    if (t.dtype !== first.dtype) throw new DTypeError(`concat: tensor ${i} is ${t.describe()}, tensor 0 is ${first.describe()}`);
    if (t.rank !== first.rank || t.shape.some((d, j) => j !== a && d !== first.shape[j])) {
      throw new ShapeError(`concat: tensor ${i} ${fmtShape(t.shape)} does not match ${fmtShape(first.shape)} off axis ${a}`);
    }
  }
  return runOp('concat', [...xs], { axis: a })[0];
}

/** Join tensors along a new axis. */
export function stack(xs: readonly Tensor[], axis = 0): Tensor {
  if (xs.length === 0) throw new ValueError('stack: need at least one tensor');
  return concat(xs.map((t) => expandDims(t, axis)), axis);
}

/** Select entries along `axis` with 1-D int32 `indices` (index_select). */
export function gather(x: Tensor, indices: Tensor, axis = 0): Tensor {
  checkAlive('gather', x, indices);
  checkDType('gather', indices, 'int32', 'indices');
  if (indices.rank !== 1) throw new ShapeError(`gather: indices must be 1-D, got ${indices.describe()}`);
  const a = normalizeAxis('gather', axis, x.rank);
  return runOp('gather', [x, indices], { axis: a })[0];
}

/** Per-row picks on the last axis: y[..., j] = x[..., indices[..., j]] (torch.gather on dim -1). */
export function takeAlong(x: Tensor, indices: Tensor): Tensor {
  checkAlive('takeAlong', x, indices);
  checkDType('takeAlong', indices, 'int32', 'indices');
  if (indices.rank !== x.rank || !shapesEqual(indices.shape.slice(0, -1), x.shape.slice(0, -1))) {
    throw new ShapeError(`takeAlong: indices ${indices.describe()} must match x ${x.describe()} on all but the last axis`);
  }
  return runOp('takeAlong', [x, indices], {})[0];
}

/** One-hot rows from int32 labels: shape [...labels.shape, depth], dtype float32 by default. */
export function oneHot(labels: Tensor, depth: number, dtype: 'float32' | 'float64' = 'float32'): Tensor {
  checkAlive('oneHot', labels);
  checkDType('oneHot', labels, 'int32', 'labels');
  if (!Number.isInteger(depth) || depth <= 0) throw new ValueError(`oneHot: depth must be a positive integer, got ${depth}`);
  const values = labels.dataSync();
  for (let i = 0; i < values.length; i++) {
    if (values[i] < 0 || values[i] >= depth) throw new ValueError(`oneHot: label ${values[i]} at position ${i} is outside [0, ${depth})`);
  }
  const classes = arange(0, depth, 1, 'int32');
  const mask = equal(expandDims(labels, labels.rank), classes);
  return where(mask, full([], 1, dtype), full([], 0, dtype));
}

/** Broadcast to a larger shape (a copy). */
export function broadcastTo(x: Tensor, shape: Shape): Tensor {
  const target = broadcastShapes('broadcastTo', x.shape, shape);
  if (!shapesEqual(target, shape)) throw new ShapeError(`broadcastTo: ${x.describe()} cannot broadcast to ${fmtShape(shape)}`);
  if (shapesEqual(x.shape, shape)) return x;
  return add(x, zeros(shape, x.dtype));
}
