import type { FnBuilder, Local } from '../../backends/wasm/emit/builder.js';
import { div, greater, greaterEqual, less, lessEqual, log, mul, neg, pow, sub, where } from '../elementwise.js';
import { zeroScalar } from '../util.js';
import { keysWith, type BinaryDef, type KeysWith } from './types.js';

/** pow with the CPU's answers for negative bases and integer exponents (GLSL pow leaves them undefined). */
// As Math.pow: x^0 = 1 for every x, else NaN in either operand gives NaN (x + y: GLSL's pow of
// NaN gives a number on SwiftShader), then the sign rules of a negative base.
const POW_PRELUDE = `
const ay = Math.abs(y);
let pw = 0.0;
if (y == 0) { pw = 1.0; }
else if (x != x || y != y) { pw = x + y; }
else if (x > 0) { pw = Math.pow(x, y); }
else if (x == 0) { pw = y > 0 ? 0.0 : (y == 0 ? 1.0 : Infinity); }
else {
  pw = Math.pow(-x, y);
  if (Math.floor(y) != y) { pw = Math.sqrt(-1.0); }
  else if (Math.floor(ay) - Math.floor(ay / 2.0) * 2.0 == 1.0) { pw = -pw; }
}`;

/**
 * wasm `(x cmp y || x != x) ? x : y` for maximum (cmp = gt) and minimum (lt), as f32x4 or f32:
 * NaN in either operand propagates and equal operands (±0) give y, exactly as `fn` does, which
 * f32x4.max/min (+0 over -0) would not.
 */
const nanFirst = (vector: boolean, gt: boolean) => (f: FnBuilder, x: Local, y: Local) => {
  f.get(x).get(y).get(x).get(y);
  if (vector) (gt ? f.f32x4gt() : f.f32x4lt()).get(x).get(x).f32x4ne().v128or().bitselect();
  else (gt ? f.f32gt() : f.f32lt()).get(x).get(x).f32ne().or().select();
};

/** Every binary elementwise primitive (NumPy broadcasting), each defined once; see unary.ts. */
export const binaryOps = {
  add: {
    fn: (a, b) => a + b,
    gpu: 'x + y',
    wasm: { vector: (f, x, y) => f.get(x).get(y).f32x4add(), scalar: (f, x, y) => f.get(x).get(y).f32add() },
    grad: { rule: (dy, _x, _y, _a, needs) => [needs[0] ? dy : null, needs[1] ? dy : null], inputs: [{ uniform: [-2, 2] }, { uniform: [-2, 2] }] },
  },
  sub: {
    fn: (a, b) => a - b,
    gpu: 'x - y',
    wasm: { vector: (f, x, y) => f.get(x).get(y).f32x4sub(), scalar: (f, x, y) => f.get(x).get(y).f32sub() },
    grad: { rule: (dy, _x, _y, _a, needs) => [needs[0] ? dy : null, needs[1] ? neg(dy) : null], inputs: [{ uniform: [-2, 2] }, { uniform: [-2, 2] }] },
  },
  mul: {
    fn: (a, b) => a * b,
    gpu: 'x * y',
    wasm: { vector: (f, x, y) => f.get(x).get(y).f32x4mul(), scalar: (f, x, y) => f.get(x).get(y).f32mul() },
    grad: {
      rule: (dy, [a, b], _y, _at, needs) => [needs[0] ? mul(dy, b) : null, needs[1] ? mul(dy, a) : null],
      inputs: [{ uniform: [-2, 2] }, { uniform: [-2, 2] }],
    },
  },
  div: {
    fn: (a, b) => a / b,
    gpu: 'x / y',
    wasm: { vector: (f, x, y) => f.get(x).get(y).f32x4div(), scalar: (f, x, y) => f.get(x).get(y).f32div() },
    domain: [[-2, 2], [0.5, 2]],
    grad: {
      rule: (dy, [a, b], _y, _at, needs) => [needs[0] ? div(dy, b) : null, needs[1] ? neg(div(mul(dy, a), mul(b, b))) : null],
      inputs: [{ uniform: [-2, 2] }, { magnitude: [0.5, 2] }],
    },
  },
  pow: {
    fn: Math.pow,
    gpu: 'pw',
    gpuPrelude: POW_PRELUDE,
    domain: [[0.2, 2], [-2, 2]],
    grad: {
      rule: (dy, [a, b], y, _at, needs) => [
        needs[0] ? mul(dy, mul(b, pow(a, sub(b, 1)))) : null,
        // d/db a^b = a^b log a; only evaluated when b needs it (log of a <= 0 would be NaN).
        needs[1] ? mul(dy, mul(y, log(a))) : null,
      ],
      inputs: [{ uniform: [0.3, 2] }, { uniform: [-2, 2] }],
    },
  },
  /** Elementwise max; NaN propagates; where a == b the gradient goes to a. */
  maximum: {
    fn: (a, b) => (a > b || Number.isNaN(a) ? a : b),
    gpu: '((x > y || x != x) ? x : y)',
    wasm: { vector: nanFirst(true, true), scalar: nanFirst(false, true) },
    grad: {
      rule: (dy, [a, b], _y, _at, needs) => [
        needs[0] ? where(greaterEqual(a, b), dy, zeroScalar(dy)) : null,
        needs[1] ? where(less(a, b), dy, zeroScalar(dy)) : null,
      ],
      inputs: { apart: 0.2 },
    },
  },
  /** Elementwise min; NaN propagates; where a == b the gradient goes to a. */
  minimum: {
    fn: (a, b) => (a < b || Number.isNaN(a) ? a : b),
    gpu: '((x < y || x != x) ? x : y)',
    wasm: { vector: nanFirst(true, false), scalar: nanFirst(false, false) },
    grad: {
      rule: (dy, [a, b], _y, _at, needs) => [
        needs[0] ? where(lessEqual(a, b), dy, zeroScalar(dy)) : null,
        needs[1] ? where(greater(a, b), dy, zeroScalar(dy)) : null,
      ],
      inputs: { apart: 0.2 },
    },
  },
} satisfies Record<string, BinaryDef>;

/** The name of a binary elementwise op (add, sub, mul, div, pow, maximum, minimum, ...). */
export type BinaryOp = keyof typeof binaryOps;
export type DiffBinaryOp = KeysWith<typeof binaryOps, 'grad'>;
export type WasmBinaryOp = KeysWith<typeof binaryOps, 'wasm'>;

export const BINARY_OPS = Object.keys(binaryOps) as BinaryOp[];
export const DIFF_BINARY_OPS: readonly DiffBinaryOp[] = keysWith(binaryOps, 'grad');
export const WASM_BINARY_OPS: readonly WasmBinaryOp[] = keysWith(binaryOps, 'wasm');

export const binaryDef = (op: BinaryOp): BinaryDef => binaryOps[op];
