import { AxisError, ShapeError, ValueError, fmtShape } from './errors.js';

/** A tensor's shape: its size along each axis. */
export type Shape = readonly number[];

/** The number of elements of a tensor of `shape`. */
export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Row-major strides. */
export function stridesOf(shape: Shape): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

/** Multi-index of flat position `i`. */
export function unravel(i: number, shape: Shape): number[] {
  const idx = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    idx[d] = i % shape[d];
    i = Math.floor(i / shape[d]);
  }
  return idx;
}

/** Whether two shapes are the same. */
export function shapesEqual(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Throw a ShapeError naming `op` unless every size of `shape` is an integer >= 0. */
export function checkShape(op: string, shape: Shape): void {
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) {
      throw new ShapeError(`${op}: invalid shape ${fmtShape(shape)}: dimensions must be non-negative integers`);
    }
  }
}

/** Strides of `from` laid against the broadcast `to` shape, 0 on broadcast axes. */
export function alignedStrides(from: Shape, to: Shape): number[] {
  const s = stridesOf(from);
  const out = new Array<number>(to.length).fill(0);
  const shift = to.length - from.length;
  for (let i = 0; i < from.length; i++) out[i + shift] = from[i] === 1 ? 0 : s[i];
  return out;
}

/** NumPy broadcasting of two shapes; throws naming the op and both shapes. */
export function broadcastShapes(op: string, a: Shape, b: Shape): number[] {
  const rank = Math.max(a.length, b.length);
  const out = new Array<number>(rank);
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new ShapeError(`${op}: shapes ${fmtShape(a)} and ${fmtShape(b)} cannot be broadcast (axis ${i}: ${da} vs ${db})`);
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** Output size along one spatial axis of a convolution or pooling window (floor mode, as PyTorch). */
export function convOutSize(inSize: number, kernel: number, stride: number, pad: number, dilation = 1): number {
  return Math.floor((inSize + 2 * pad - dilation * (kernel - 1) - 1) / stride) + 1;
}

/** Normalise one axis (negative counts from the end). */
export function normalizeAxis(op: string, axis: number, rank: number): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
    throw new AxisError(`${op}: axis ${axis} is out of range for a tensor of rank ${rank}`);
  }
  return axis < 0 ? axis + rank : axis;
}

/** Normalise an axis list; undefined means all axes. Sorted, no duplicates. */
export function normalizeAxes(op: string, axes: number | readonly number[] | undefined, rank: number): number[] {
  if (axes === undefined) return Array.from({ length: rank }, (_, i) => i);
  const list = typeof axes === 'number' ? [axes] : axes;
  const out = list.map((a) => normalizeAxis(op, a, rank));
  if (new Set(out).size !== out.length) throw new AxisError(`${op}: repeated axis in [${list.join(', ')}]`);
  return out.sort((x, y) => x - y);
}

/** Shape after reducing `axes` (kept as 1 with keepDims). */
export function reducedShape(shape: Shape, axes: readonly number[], keepDims: boolean): number[] {
  const out: number[] = [];
  for (let i = 0; i < shape.length; i++) {
    if (axes.includes(i)) {
      if (keepDims) out.push(1);
    } else out.push(shape[i]);
  }
  return out;
}

/** Resolve one -1 in a reshape target. */
export function inferReshape(op: string, from: Shape, to: readonly number[]): number[] {
  const size = sizeOf(from);
  const unknown = to.filter((d) => d === -1).length;
  if (unknown > 1) throw new ShapeError(`${op}: at most one -1 allowed in ${fmtShape(to)}`);
  for (const d of to) {
    if (d !== -1 && (!Number.isInteger(d) || d < 0)) throw new ShapeError(`${op}: invalid target shape ${fmtShape(to)}`);
  }
  if (unknown === 1) {
    const known = to.filter((d) => d !== -1).reduce((p, d) => p * d, 1);
    if (known === 0 || size % known !== 0) {
      throw new ShapeError(`${op}: cannot reshape ${fmtShape(from)} (size ${size}) to ${fmtShape(to)}`);
    }
    return to.map((d) => (d === -1 ? size / known : d));
  }
  if (sizeOf(to) !== size) {
    throw new ShapeError(`${op}: cannot reshape ${fmtShape(from)} (size ${size}) to ${fmtShape(to)} (size ${sizeOf(to)})`);
  }
  return [...to];
}

/** Throw a ValueError naming `op` and `name` unless `v` is an integer >= 1. */
export function checkPositiveInt(op: string, name: string, v: number): void {
  if (!Number.isInteger(v) || v <= 0) throw new ValueError(`${op}: ${name} must be a positive integer, got ${v}`);
}

/** Throw a ValueError naming `op` and `name` unless `v` is an integer >= 0. */
export function checkNonNegInt(op: string, name: string, v: number): void {
  if (!Number.isInteger(v) || v < 0) throw new ValueError(`${op}: ${name} must be a non-negative integer, got ${v}`);
}
