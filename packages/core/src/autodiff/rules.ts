import type { Conv2dAttrs, Pool2dAttrs } from '../backend.js';
import { reducedShape, type Shape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { full } from '../ops/creation.js';
import {
  cast, div, equal, greater, greaterEqual, less, lessEqual, log, mul, neg, pow, sign, sub, where,
} from '../ops/elementwise.js';
import { broadcastTo, pad, reshape, slice, transpose } from '../ops/layout.js';
import { matmul } from '../ops/linalg.js';
import { sum } from '../ops/reduce.js';
import {
  avgPool2dBackward, conv2dBackwardFilter, conv2dBackwardInput, maxPool2dBackward, scatterAdd, scatterAlong,
} from '../ops/adjoints.js';

type None = Record<string, never>;

/** What each differentiable primitive saves for its backward rule. */
export interface OpAttrs {
  neg: None; exp: None; log: None; sqrt: None; abs: None; tanh: None; relu: None; sigmoid: None;
  add: None; sub: None; mul: None; div: None; pow: None; maximum: None; minimum: None;
  where: { cond: Tensor };
  cast: None;
  sum: { axes: number[] }; max: { axes: number[] }; min: { axes: number[] };
  matmul: { transposeA: boolean; transposeB: boolean };
  conv2d: Conv2dAttrs;
  maxPool2d: Pool2dAttrs & { argmax: Tensor };
  avgPool2d: Pool2dAttrs;
  reshape: None;
  transpose: { perm: number[] };
  slice: { begin: number[] };
  pad: { paddings: [number, number][] };
  concat: { axis: number; sizes: number[] };
  gather: { axis: number; indices: Tensor; size: number };
  takeAlong: { indices: Tensor; size: number };
}

export type DiffOp = keyof OpAttrs;

/**
 * A backward rule: given dy (shaped like the output), the op's inputs, its output and saved
 * attrs, return one gradient per input (null where `needs[i]` is false). Rules are written with
 * ops, so every backend gets backward for free; broadcast gradients are summed back to the input
 * shape in one place (the tape), for the ops listed in BROADCASTING_OPS.
 */
export type GradRule<O extends DiffOp> = (dy: Tensor, x: Tensor[], y: Tensor, attrs: OpAttrs[O], needs: boolean[]) => (Tensor | null)[];

export const BROADCASTING_OPS: ReadonlySet<DiffOp> = new Set<DiffOp>(['add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum', 'where', 'matmul']);

const zero = (t: Tensor) => full([], 0, t.dtype);

/** All backward rules, one per differentiable primitive; a missing rule is a type error. */
export const gradRules: { [O in DiffOp]: GradRule<O> } = {
  neg: (dy) => [neg(dy)],
  exp: (dy, _x, y) => [mul(dy, y)],
  log: (dy, [x]) => [div(dy, x)],
  sqrt: (dy, _x, y) => [div(dy, mul(y, 2))],
  abs: (dy, [x]) => [mul(dy, sign(x))],
  tanh: (dy, _x, y) => [mul(dy, sub(1, mul(y, y)))],
  relu: (dy, [x]) => [where(greater(x, 0), dy, zero(dy))],
  sigmoid: (dy, _x, y) => [mul(dy, mul(y, sub(1, y)))],

  add: (dy, _x, _y, _a, needs) => [needs[0] ? dy : null, needs[1] ? dy : null],
  sub: (dy, _x, _y, _a, needs) => [needs[0] ? dy : null, needs[1] ? neg(dy) : null],
  mul: (dy, [a, b], _y, _at, needs) => [needs[0] ? mul(dy, b) : null, needs[1] ? mul(dy, a) : null],
  div: (dy, [a, b], _y, _at, needs) => [needs[0] ? div(dy, b) : null, needs[1] ? neg(div(mul(dy, a), mul(b, b))) : null],
  pow: (dy, [a, b], y, _at, needs) => [
    needs[0] ? mul(dy, mul(b, pow(a, sub(b, 1)))) : null,
    // d/db a^b = a^b log a; only evaluated when b needs it (log of a <= 0 would be NaN).
    needs[1] ? mul(dy, mul(y, log(a))) : null,
  ],
  maximum: (dy, [a, b], _y, _at, needs) => [
    needs[0] ? where(greaterEqual(a, b), dy, zero(dy)) : null,
    needs[1] ? where(less(a, b), dy, zero(dy)) : null,
  ],
  minimum: (dy, [a, b], _y, _at, needs) => [
    needs[0] ? where(lessEqual(a, b), dy, zero(dy)) : null,
    needs[1] ? where(greater(a, b), dy, zero(dy)) : null,
  ],
  where: (dy, _x, _y, { cond }, needs) => [
    needs[0] ? where(cond, dy, zero(dy)) : null,
    needs[1] ? where(cond, zero(dy), dy) : null,
  ],
  cast: (dy, [x]) => [cast(dy, x.dtype)],

  sum: (dy, [x], _y, { axes }) => [broadcastTo(reshape(dy, reducedShape(x.shape, axes, true)), x.shape)],
  max: (dy, [x], y, { axes }) => [extremumGrad(dy, x, y, axes)],
  min: (dy, [x], y, { axes }) => [extremumGrad(dy, x, y, axes)],

  matmul: (dy, [a, b], _y, { transposeA: tA, transposeB: tB }, needs) => [
    needs[0] ? (tA ? matmul(b, dy, { transposeA: tB, transposeB: true }) : matmul(dy, b, { transposeB: !tB })) : null,
    needs[1] ? (tB ? matmul(dy, a, { transposeA: true, transposeB: tA }) : matmul(a, dy, { transposeA: !tA })) : null,
  ],
  conv2d: (dy, [x, w], _y, attrs, needs) => [
    needs[0] ? conv2dBackwardInput(dy, w, x.shape, attrs) : null,
    needs[1] ? conv2dBackwardFilter(x, dy, w.shape, attrs) : null,
  ],
  maxPool2d: (dy, [x], _y, { argmax, ...attrs }) => [maxPool2dBackward(dy, argmax, x.shape, attrs)],
  avgPool2d: (dy, [x], _y, attrs) => [avgPool2dBackward(dy, x.shape, attrs)],

  reshape: (dy, [x]) => [reshape(dy, x.shape)],
  transpose: (dy, _x, _y, { perm }) => [transpose(dy, inversePerm(perm))],
  slice: (dy, [x], _y, { begin }) => [pad(dy, x.shape.map((d, i) => [begin[i], d - begin[i] - dy.shape[i]] as [number, number]))],
  pad: (dy, [x], _y, { paddings }) => [slice(dy, paddings.map((p) => p[0]), x.shape)],
  concat: (dy, x, _y, { axis, sizes }, needs) => {
    let start = 0;
    return x.map((_, i) => {
      const begin = dy.shape.map((_d, j) => (j === axis ? start : 0));
      const size = dy.shape.map((d, j) => (j === axis ? sizes[i] : d));
      start += sizes[i];
      return needs[i] ? slice(dy, begin, size) : null;
    });
  },
  gather: (dy, _x, _y, { axis, indices, size }) => [scatterAdd(dy, indices, axis, size)],
  takeAlong: (dy, _x, _y, { indices, size }) => [scatterAlong(dy, indices, size)],
};

/** Gradient of max/min: shared equally among the tied extrema, as PyTorch's amax/amin. */
function extremumGrad(dy: Tensor, x: Tensor, y: Tensor, axes: number[]): Tensor {
  const kept = reducedShape(x.shape, axes, true);
  const hit = cast(equal(x, reshape(y, kept)), x.dtype);
  const count = sum(hit, axes, true);
  return mul(hit, div(reshape(dy, kept), count));
}

function inversePerm(perm: readonly number[]): number[] {
  const inv = new Array<number>(perm.length);
  perm.forEach((p, i) => (inv[p] = i));
  return inv;
}

/** Sum a broadcast gradient back down to `shape` (leading axes, then size-1 axes). */
export function sumToShape(g: Tensor, shape: Shape): Tensor {
  const lead = g.rank - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < g.rank; i++) {
    if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) axes.push(i);
  }
  if (axes.length === 0) return reshape(g, shape);
  return reshape(sum(g, axes, true), shape);
}
