import type { DType } from '../dtype.js';
import { DTypeError, ValueError } from '../errors.js';
import { broadcastShapes } from '../shape.js';
import { Tensor } from '../tensor.js';
import { runOp } from '../autodiff/op.js';
import { asTensor, checkAlive, checkFloat, checkNumeric, checkSameDType } from './util.js';
import { markNonzeros, markWhereZeros } from './sparse/structure.js';
import { derivedDef, unaryDef, type BinaryOp, type CompareOp, type DerivedOp, type UnaryOp } from './definitions/index.js';

// The public elementwise ops: one line each over their definitions (ops/definitions), which the
// kernels, the test suites and the gradient rules are derived from.

function checkUnary(op: string, x: Tensor, floatOnly: boolean | undefined): void {
  checkAlive(op, x);
  checkNumeric(op, x);
  if (floatOnly) checkFloat(op, x);
}

function unary(op: UnaryOp, x: Tensor): Tensor {
  const def = unaryDef(op);
  checkUnary(op, x, def.floatOnly);
  return runOp('unary', [x], { op })[0];
}

/** A derived op: checked as a unary op, computed by its composition of primitives. */
function derived(op: DerivedOp, x: Tensor): Tensor {
  const def = derivedDef(op);
  checkUnary(op, x, def.floatOnly);
  return def.compose(x);
}

/** -x, elementwise. */
export const neg = (x: Tensor): Tensor => unary('neg', x);
/** e^x, elementwise. */
export const exp = (x: Tensor): Tensor => unary('exp', x);
/** The natural logarithm, elementwise. */
export const log = (x: Tensor): Tensor => unary('log', x);
/** The square root, elementwise. */
export const sqrt = (x: Tensor): Tensor => unary('sqrt', x);
/** |x|, elementwise. */
export const abs = (x: Tensor): Tensor => unary('abs', x);
/** -1, 0 or 1; not differentiable (zero gradient almost everywhere, so nothing flows). */
export const sign = (x: Tensor): Tensor => unary('sign', x);
/** The hyperbolic tangent, elementwise. */
export const tanh = (x: Tensor): Tensor => unary('tanh', x);
/** max(x, 0); the output keeps where its zeros are, for the layer after it (ops/sparse/structure.ts). */
export const relu = (x: Tensor): Tensor => markNonzeros(unary('relu', x));
/** 1 / (1 + e^-x), elementwise. */
export const sigmoid = (x: Tensor): Tensor => unary('sigmoid', x);
/** Not differentiable. */
export const floor = (x: Tensor): Tensor => unary('floor', x);

function binaryOperands(op: string, a: Tensor | number, b: Tensor | number): [Tensor, Tensor] {
  if (!(a instanceof Tensor) && !(b instanceof Tensor)) throw new ValueError(`${op}: at least one operand must be a tensor`);
  const ta = a instanceof Tensor ? a : asTensor(a, b as Tensor);
  const tb = b instanceof Tensor ? b : asTensor(b, ta);
  checkAlive(op, ta, tb);
  checkNumeric(op, ta, 'a');
  checkNumeric(op, tb, 'b');
  checkSameDType(op, ta, tb);
  broadcastShapes(op, ta.shape, tb.shape);
  return [ta, tb];
}

function binary(op: BinaryOp, a: Tensor | number, b: Tensor | number): Tensor {
  const [ta, tb] = binaryOperands(op, a, b);
  return runOp('binary', [ta, tb], { op })[0];
}

/** a + b, elementwise with broadcasting. */
export const add = (a: Tensor | number, b: Tensor | number): Tensor => binary('add', a, b);
/** a - b, elementwise with broadcasting. */
export const sub = (a: Tensor | number, b: Tensor | number): Tensor => binary('sub', a, b);
/** a * b, elementwise with broadcasting. */
export const mul = (a: Tensor | number, b: Tensor | number): Tensor => binary('mul', a, b);
/** a / b, elementwise with broadcasting. */
export const div = (a: Tensor | number, b: Tensor | number): Tensor => binary('div', a, b);
/** a ^ b, elementwise with broadcasting. */
export const pow = (a: Tensor | number, b: Tensor | number): Tensor => binary('pow', a, b);
/** Elementwise max; where a == b the gradient goes to a. */
export const maximum = (a: Tensor | number, b: Tensor | number): Tensor => binary('maximum', a, b);
/** Elementwise min; where a == b the gradient goes to a. */
export const minimum = (a: Tensor | number, b: Tensor | number): Tensor => binary('minimum', a, b);

function compare(op: CompareOp, a: Tensor | number, b: Tensor | number): Tensor {
  const [ta, tb] = binaryOperands(op, a, b);
  return runOp('compare', [ta, tb], { op })[0];
}

/** Comparisons give bool masks (no gradient). */
export const equal = (a: Tensor | number, b: Tensor | number): Tensor => compare('equal', a, b);
/** The bool mask a != b, elementwise with broadcasting. */
export const notEqual = (a: Tensor | number, b: Tensor | number): Tensor => compare('notEqual', a, b);
/** The bool mask a < b, elementwise with broadcasting. */
export const less = (a: Tensor | number, b: Tensor | number): Tensor => compare('less', a, b);
/** The bool mask a <= b, elementwise with broadcasting. */
export const lessEqual = (a: Tensor | number, b: Tensor | number): Tensor => compare('lessEqual', a, b);
/** The bool mask a > b, elementwise with broadcasting. */
export const greater = (a: Tensor | number, b: Tensor | number): Tensor => compare('greater', a, b);
/** The bool mask a >= b, elementwise with broadcasting. */
export const greaterEqual = (a: Tensor | number, b: Tensor | number): Tensor => compare('greaterEqual', a, b);

/** cond ? a : b elementwise with broadcasting; `cond` is a bool mask. */
export function where(cond: Tensor, a: Tensor | number, b: Tensor | number): Tensor {
  checkAlive('where', cond);
  if (cond.dtype !== 'bool') throw new DTypeError(`where: cond must be a bool mask, got ${cond.describe()}`);
  const [ta, tb] = binaryOperands('where', a, b);
  broadcastShapes('where', cond.shape, broadcastShapes('where', ta.shape, tb.shape));
  const y = runOp('where', [cond, ta, tb], {})[0];
  // where(k-WTA mask, a, 0) is a k-WTA: y keeps the mask's winners; with any other mask, its zeros (ops/sparse/structure.ts).
  markWhereZeros(y, cond, ta, b === 0);
  return y;
}

/** Convert dtype; float-to-float casts pass gradients, anything else cuts them. */
export function cast(x: Tensor, dtype: DType): Tensor {
  checkAlive('cast', x);
  if (x.dtype === dtype) return x; // like PyTorch: same dtype returns the tensor itself
  return runOp('cast', [x], { dtype })[0];
}

// Derived ops: compositions of the primitives above, so their gradients come for free.
/** x * x, elementwise. */
export const square = (x: Tensor): Tensor => derived('square', x);
/** 1 / x, elementwise. */
export const reciprocal = (x: Tensor): Tensor => derived('reciprocal', x);
/** log(1 + exp(x)), computed stably as max(x, 0) + log(1 + exp(-|x|)). */
export const softplus = (x: Tensor): Tensor => derived('softplus', x);
/** GELU, tanh approximation (PyTorch's `gelu(x, approximate='tanh')`). */
export const gelu = (x: Tensor): Tensor => derived('gelu', x);
/** x clipped into [lo, hi], elementwise (gradient 1 inside, 0 outside). */
export function clamp(x: Tensor, lo: number, hi: number): Tensor {
  if (Number.isNaN(lo) || Number.isNaN(hi) || lo > hi) throw new ValueError(`clamp: need lo <= hi, got [${lo}, ${hi}]`);
  return minimum(maximum(x, lo), hi);
}