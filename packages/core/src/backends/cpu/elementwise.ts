import type { BinaryOp, KernelAttrs } from '../../backend.js';
import { checkFitsInt32, makeArray, type TypedArray } from '../../dtype.js';
import { binaryOps, compareOps, unaryOps } from '../../ops/definitions/index.js';
import { alignedStrides, broadcastShapes, sizeOf, type Shape } from '../../shape.js';
import type { CpuArray } from './types.js';

// Every op applies its definition's `fn` (ops/definitions). The hot ones also get a loop of their
// own, written out so V8 inlines the arithmetic; a test checks each fast loop against `fn`.

export function unary([x]: CpuArray[], { op }: KernelAttrs['unary']): CpuArray[] {
  const n = x.values.length;
  const out = makeArray(x.dtype, n);
  const a = x.values;
  if (op === 'relu') for (let i = 0; i < n; i++) out[i] = a[i] <= 0 ? 0 : a[i];
  else if (op === 'neg') for (let i = 0; i < n; i++) out[i] = -a[i];
  else if (op === 'exp') for (let i = 0; i < n; i++) out[i] = Math.exp(a[i]);
  else {
    const f = unaryOps[op].fn;
    for (let i = 0; i < n; i++) out[i] = f(a[i]);
  }
  return [{ values: out, shape: x.shape, dtype: x.dtype }];
}

export function binary([a, b]: CpuArray[], { op }: KernelAttrs['binary']): CpuArray[] {
  const shape = broadcastShapes(op, a.shape, b.shape);
  const out = makeArray(a.dtype, sizeOf(shape));
  const x = a.values, y = b.values;
  const n = out.length;
  // Fast paths for the cases training hits every step: same shape, or a scalar operand.
  if (x.length === n && y.length === n && (op === 'add' || op === 'sub' || op === 'mul' || op === 'div')) {
    if (op === 'add') for (let i = 0; i < n; i++) out[i] = x[i] + y[i];
    else if (op === 'sub') for (let i = 0; i < n; i++) out[i] = x[i] - y[i];
    else if (op === 'mul') for (let i = 0; i < n; i++) out[i] = x[i] * y[i];
    else for (let i = 0; i < n; i++) out[i] = x[i] / y[i];
  } else if (y.length === 1 && x.length === n && (op === 'add' || op === 'mul')) {
    const s = y[0];
    if (op === 'add') for (let i = 0; i < n; i++) out[i] = x[i] + s;
    else for (let i = 0; i < n; i++) out[i] = x[i] * s;
  } else {
    broadcastLoop(a, b, shape, out, binaryOps[op].fn, op);
  }
  return [{ values: out, shape, dtype: a.dtype }];
}

export function compare([a, b]: CpuArray[], { op }: KernelAttrs['compare']): CpuArray[] {
  const shape = broadcastShapes(op, a.shape, b.shape);
  const out = makeArray('bool', sizeOf(shape));
  const x = a.values, y = b.values, n = out.length;
  if (x.length === n && y.length === 1 && (op === 'greater' || op === 'less')) {
    // The relu / clamp gradient masks: tensor against a scalar.
    const s = y[0];
    if (op === 'greater') for (let i = 0; i < n; i++) out[i] = x[i] > s ? 1 : 0;
    else for (let i = 0; i < n; i++) out[i] = x[i] < s ? 1 : 0;
  } else {
    const f = compareOps[op].fn;
    broadcastLoop(a, b, shape, out, (p, q) => (f(p, q) ? 1 : 0));
  }
  return [{ values: out, shape, dtype: 'bool' }];
}

export function where([cond, a, b]: CpuArray[]): CpuArray[] {
  const shape = broadcastShapes('where', broadcastShapes('where', cond.shape, a.shape), b.shape);
  const n = sizeOf(shape);
  const out = makeArray(a.dtype, n);
  const c = cond.values, x = a.values, y = b.values;
  if (c.length === n && x.length === n && (y.length === n || y.length === 1)) {
    // Masks in training (relu/k-WTA gradients, k-WTA forward) take this path.
    if (y.length === 1) {
      const s = y[0];
      for (let i = 0; i < n; i++) out[i] = c[i] ? x[i] : s;
    } else for (let i = 0; i < n; i++) out[i] = c[i] ? x[i] : y[i];
  } else {
    const ci = broadcastIndex(cond.shape, shape);
    const ai = broadcastIndex(a.shape, shape);
    const bi = broadcastIndex(b.shape, shape);
    for (let i = 0; i < n; i++) out[i] = c[ci[i]] ? x[ai[i]] : y[bi[i]];
  }
  return [{ values: out, shape, dtype: a.dtype }];
}

export function cast([x]: CpuArray[], { dtype }: KernelAttrs['cast']): CpuArray[] {
  if (dtype === 'int32' && x.dtype !== 'int32') checkFitsInt32('cast', x.values);
  const out = makeArray(dtype, x.values.length);
  if (dtype === 'bool') for (let i = 0; i < out.length; i++) out[i] = x.values[i] !== 0 ? 1 : 0;
  else if (dtype === 'int32') for (let i = 0; i < out.length; i++) out[i] = Math.trunc(x.values[i]);
  else out.set(x.values);
  return [{ values: out, shape: x.shape, dtype }];
}

/**
 * Broadcast binary loop: the innermost output axis runs with per-operand strides (0 where an
 * operand is broadcast), the outer axes advance an odometer.
 */
function broadcastLoop(a: CpuArray, b: CpuArray, shape: Shape, out: TypedArray, f: (x: number, y: number) => number, op?: BinaryOp): void {
  const rank = shape.length;
  const x = a.values, y = b.values;
  if (rank === 0) {
    out[0] = f(x[0], y[0]);
    return;
  }
  const sa = alignedStrides(a.shape, shape);
  const sb = alignedStrides(b.shape, shape);
  const inner = shape[rank - 1];
  const ia = sa[rank - 1], ib = sb[rank - 1];
  const outer = out.length / Math.max(inner, 1);
  const idx = new Array<number>(rank).fill(0);
  let offA = 0, offB = 0, o = 0;
  for (let r = 0; r < outer; r++) {
    if (ib === 0 && ia === 1 && (op === 'add' || op === 'mul')) {
      // A per-channel operand (bias, BatchNorm scale): constant along the inner axis.
      const s = y[offB];
      if (op === 'add') for (let j = 0; j < inner; j++) out[o++] = x[offA + j] + s;
      else for (let j = 0; j < inner; j++) out[o++] = x[offA + j] * s;
    } else if (op === 'add') for (let j = 0, pa = offA, pb = offB; j < inner; j++, pa += ia, pb += ib) out[o++] = x[pa] + y[pb];
    else if (op === 'sub') for (let j = 0, pa = offA, pb = offB; j < inner; j++, pa += ia, pb += ib) out[o++] = x[pa] - y[pb];
    else if (op === 'mul') for (let j = 0, pa = offA, pb = offB; j < inner; j++, pa += ia, pb += ib) out[o++] = x[pa] * y[pb];
    else for (let j = 0, pa = offA, pb = offB; j < inner; j++, pa += ia, pb += ib) out[o++] = f(x[pa], y[pb]);
    for (let d = rank - 2; d >= 0; d--) {
      idx[d]++;
      offA += sa[d];
      offB += sb[d];
      if (idx[d] < shape[d]) break;
      offA -= sa[d] * shape[d];
      offB -= sb[d] * shape[d];
      idx[d] = 0;
    }
  }
}

/** Flat source index of every output element (for the less hot ternary `where`). */
function broadcastIndex(from: Shape, to: Shape): Int32Array {
  const n = sizeOf(to);
  const out = makeArray('int32', n) as Int32Array;
  if (sizeOf(from) === n) {
    for (let i = 0; i < n; i++) out[i] = i;
    return out;
  }
  const s = alignedStrides(from, to);
  const rank = to.length;
  const idx = new Array<number>(rank).fill(0);
  let off = 0;
  for (let i = 0; i < n; i++) {
    out[i] = off;
    for (let d = rank - 1; d >= 0; d--) {
      idx[d]++;
      off += s[d];
      if (idx[d] < to[d]) break;
      off -= s[d] * to[d];
      idx[d] = 0;
    }
  }
  return out;
}
