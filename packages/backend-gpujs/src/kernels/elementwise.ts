import type { BinaryOp, CompareOp, DType, KernelAttrs, UnaryOp } from '@kwta/core';
import type { Device } from '../device.js';
import { alignedStrides, dot, sizeOf, unravel } from './codegen.js';
import { launch, truncExpr, type DevTensor } from './types.js';

/** Each unary op as an expression of `v`; NaN-sensitive ones written so NaN flows as on the CPU. */
const UNARY: Record<UnaryOp, string> = {
  neg: '-v',
  exp: 'Math.exp(v)',
  log: 'Math.log(v)',
  sqrt: 'Math.sqrt(v)',
  abs: 'Math.abs(v)',
  sign: '(v > 0 ? 1.0 : (v < 0 ? -1.0 : v))',
  // tanh through exp of a non-positive argument: no overflow, sign restored after.
  tanh: '(v < 0 ? -1.0 : 1.0) * (1.0 - Math.exp(-2.0 * Math.abs(v))) / (1.0 + Math.exp(-2.0 * Math.abs(v)))',
  relu: '(v > 0 ? v : 0.0)',
  sigmoid: '1.0 / (1.0 + Math.exp(-v))',
  floor: 'Math.floor(v)',
};

const BINARY: Record<BinaryOp, string> = {
  add: 'x + y',
  sub: 'x - y',
  mul: 'x * y',
  div: 'x / y',
  pow: 'powSigned(x, y)',
  maximum: '((x > y || x != x) ? x : y)',
  minimum: '((x < y || x != x) ? x : y)',
};

const COMPARE: Record<CompareOp, string> = {
  equal: '==', notEqual: '!=', less: '<', lessEqual: '<=', greater: '>', greaterEqual: '>=',
};

/** pow with the CPU's answers for negative bases and integer exponents (GLSL pow leaves them undefined). */
const POW_PRELUDE = `
const ay = Math.abs(y);
let pw = 0.0;
if (x > 0) { pw = Math.pow(x, y); }
else if (x == 0) { pw = y > 0 ? 0.0 : (y == 0 ? 1.0 : Infinity); }
else {
  pw = Math.pow(-x, y);
  if (Math.floor(y) != y) { pw = Math.sqrt(-1.0); }
  else if (Math.floor(ay) - Math.floor(ay / 2.0) * 2.0 == 1.0) { pw = -pw; }
}`;

function finish(expr: string, dtype: DType): string {
  return dtype === 'int32' ? truncExpr(expr) : expr;
}

export function unary(device: Device, [x]: DevTensor[], { op }: KernelAttrs['unary']): DevTensor[] {
  const body = `const v = a0[i];\nreturn ${finish(UNARY[op], x.dtype)};`;
  return [launch(device, `unary ${op}`, x.shape, x.dtype, [x], body)];
}

export function broadcastShape(shapes: readonly (readonly number[])[]): number[] {
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  return Array.from({ length: rank }, (_, i) => {
    let d = 1;
    for (const s of shapes) {
      const v = s[s.length - rank + i] ?? 1;
      if (v !== 1) d = v;
    }
    return d;
  });
}

/** Lines defining `ix0, ix1, ...`: each operand's flat index for output element `i`. */
export function broadcastIndices(shape: readonly number[], operands: readonly DevTensor[]): string {
  const n = sizeOf(shape);
  const same = operands.every((o) => sizeOf(o.shape) === n);
  if (same) return operands.map((_, k) => `const ix${k} = i;`).join('\n');
  const lines = [unravel('i', shape, 'o')];
  operands.forEach((o, k) => {
    const s = sizeOf(o.shape);
    lines.push(`const ix${k} = ${s === 1 ? '0' : s === n ? 'i' : dot('o', alignedStrides(o.shape, shape))};`);
  });
  return lines.join('\n');
}

export function binary(device: Device, [a, b]: DevTensor[], { op }: KernelAttrs['binary']): DevTensor[] {
  const shape = broadcastShape([a.shape, b.shape]);
  const body = [
    broadcastIndices(shape, [a, b]),
    'const x = a0[ix0];',
    'const y = a1[ix1];',
    op === 'pow' ? POW_PRELUDE : '',
    `return ${finish(op === 'pow' ? 'pw' : BINARY[op], a.dtype)};`,
  ].join('\n');
  return [launch(device, `binary ${op}`, shape, a.dtype, [a, b], body)];
}

export function compare(device: Device, [a, b]: DevTensor[], { op }: KernelAttrs['compare']): DevTensor[] {
  const shape = broadcastShape([a.shape, b.shape]);
  const body = `${broadcastIndices(shape, [a, b])}\nconst x = a0[ix0];\nconst y = a1[ix1];\nreturn x ${COMPARE[op]} y ? 1.0 : 0.0;`;
  return [launch(device, `compare ${op}`, shape, 'bool', [a, b], body)];
}

export function where(device: Device, [c, a, b]: DevTensor[]): DevTensor[] {
  const shape = broadcastShape([c.shape, a.shape, b.shape]);
  const body = `${broadcastIndices(shape, [c, a, b])}\nreturn a0[ix0] != 0 ? a1[ix1] : a2[ix2];`;
  return [launch(device, 'where', shape, a.dtype, [c, a, b], body)];
}

export function cast(device: Device, [x]: DevTensor[], { dtype }: KernelAttrs['cast']): DevTensor[] {
  const expr = dtype === 'bool' ? '(v != 0 ? 1.0 : 0.0)' : dtype === 'int32' ? truncExpr('v') : 'v';
  return [launch(device, `cast ${dtype}`, x.shape, dtype, [x], `const v = a0[i];\nreturn ${expr};`)];
}
