import type { Conv2dAttrs, Pool2dAttrs } from '../backend.js';
import { reducedShape, type Shape } from '../shape.js';
import { GradientError } from '../errors.js';
import { Tensor } from '../tensor.js';
import type { GradFunc } from './custom.js';
import { cast, div, equal, mul, where } from '../ops/elementwise.js';
import { broadcastTo, pad, reshape, slice, transpose } from '../ops/layout.js';
import { matmul } from '../ops/linalg.js';
import { sum } from '../ops/reduce.js';
import {
  avgPool2dBackward, conv2dBackwardFilter, conv2dBackwardInput, maxPool2dBackward, scatterAdd, scatterAlong,
} from '../ops/adjoints.js';
import { binaryOps, elementwiseGradRules, type DiffElementwiseOp } from '../ops/definitions/index.js';
import { zeroScalar } from '../ops/util.js';
import { convFilterGrad, convInputGrad } from '../ops/sparse/conv.js';
import { linearInputGrad, linearWeightGrad } from '../ops/sparse/linear.js';

type None = Record<string, never>;

/** What each differentiable primitive saves for its backward rule (elementwise ones: nothing). */
export type OpAttrs = { [O in DiffElementwiseOp]: None } & {
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
  /** An op made by customGrad: its name (for errors) and the user's backward. */
  custom: { name: string; gradFunc: GradFunc };
};

export type DiffOp = keyof OpAttrs;

/**
 * What a rule may ask about the backward pass it runs in: whether a tensor's gradient is one the
 * pass hands back (a requested `wrt`, or a leaf's `.grad`), so it must be exact everywhere.
 */
export interface GradContext {
  isTarget(t: Tensor): boolean;
}

/**
 * A backward rule: given dy (shaped like the output), the op's inputs, its output and saved
 * attrs, return one gradient per input (null where `needs[i]` is false). Rules are written with
 * ops, so every backend gets backward for free; broadcast gradients are summed back to the input
 * shape in one place (the tape), for the ops `broadcastsInputs` names.
 */
export type GradRule<O extends DiffOp> = (dy: Tensor, x: Tensor[], y: Tensor, attrs: OpAttrs[O], needs: boolean[], ctx: GradContext) => (Tensor | null)[];

/** Ops whose inputs broadcast: the tape sums their gradients back to each input's shape. */
export function broadcastsInputs(op: DiffOp): boolean {
  return op in binaryOps || op === 'where' || op === 'matmul';
}

export type GradRules = { [O in DiffOp]: GradRule<O> };

let table: GradRules | null = null;

/**
 * All backward rules, one per differentiable primitive; a missing rule is a type error. The
 * elementwise ones are taken from their definitions (ops/definitions). Built on first use: the
 * definitions import the ops their rules are written with, so they cannot be read while the
 * modules load.
 */
export function gradRules(): GradRules {
  return (table ??= {
    ...elementwiseGradRules(),
    // where(cond, dy, 0) keeps a k-WTA's winners on the gradient too (ops/sparse/structure.ts).
    where: (dy, _x, _y, { cond }, needs) => [
      needs[0] ? where(cond, dy, 0) : null,
      needs[1] ? where(cond, zeroScalar(dy), dy) : null,
    ],
    cast: (dy, [x]) => [cast(dy, x.dtype)],

    sum: (dy, [x], _y, { axes }) => [broadcastTo(reshape(dy, reducedShape(x.shape, axes, true)), x.shape)],
    max: (dy, [x], y, { axes }) => [extremumGrad(dy, x, y, axes)],
    min: (dy, [x], y, { axes }) => [extremumGrad(dy, x, y, axes)],

    // Each product takes its sparse kernel when an operand carries a k-WTA's winners and the
    // backend's cost model says it pays (ops/sparse); otherwise the dense one.
    matmul: (dy, [a, b], _y, { transposeA: tA, transposeB: tB }, needs, ctx) => [
      needs[0] ? (linearInputGrad(dy, a, b, tA, tB, ctx) ?? (tA ? matmul(b, dy, { transposeA: tB, transposeB: true }) : matmul(dy, b, { transposeB: !tB }))) : null,
      needs[1] ? (linearWeightGrad(dy, a, b, tA, tB) ?? (tB ? matmul(dy, a, { transposeA: true, transposeB: tA }) : matmul(a, dy, { transposeA: !tA }))) : null,
    ],
    conv2d: (dy, [x, w], _y, attrs, needs, ctx) => [
      needs[0] ? (convInputGrad(dy, w, x, attrs, ctx) ?? conv2dBackwardInput(dy, w, x.shape, attrs)) : null,
      needs[1] ? (convFilterGrad(x, dy, w.shape, attrs) ?? conv2dBackwardFilter(x, dy, w.shape, attrs)) : null,
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
    custom: customRule,
  });
}

/** A customGrad op's rule: the user's gradFunc, its result checked for count and type (the tape checks shapes and dtypes). */
function customRule(dy: Tensor, x: Tensor[], _y: Tensor, { name, gradFunc }: OpAttrs['custom']): (Tensor | null)[] {
  const out = gradFunc(dy);
  const grads = Array.isArray(out) ? [...(out as (Tensor | null)[])] : [out as Tensor];
  if (grads.length !== x.length) throw new GradientError(`custom op '${name}': gradFunc returned ${grads.length} gradient(s) for ${x.length} input(s)`);
  grads.forEach((g, i) => {
    if (g !== null && !(g instanceof Tensor)) throw new GradientError(`custom op '${name}': gradFunc's gradient for input ${i} is not a Tensor`);
  });
  return grads;
}

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
