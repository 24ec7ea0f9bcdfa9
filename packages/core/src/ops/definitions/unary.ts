import { div, greater, mul, neg, sign, sub, where } from '../elementwise.js';
import { keysWith, type KeysWith, type UnaryDef } from './types.js';

/**
 * A gpu.js expression of `v` that gives NaN for NaN: GLSL leaves NaN through exp/log undefined,
 * and SwiftShader's WebGL gives exp(NaN) = Infinity, log(NaN) a number (browser test).
 */
const passNaN = (expr: string) => `(v != v ? v : ${expr})`;

/**
 * Every unary elementwise primitive, each defined once: its value, its gpu.js expression, its
 * wasm SIMD kernel where one pays, its gradient and the inputs its tests draw. The CPU and gpu.js
 * kernel tables, the wasm dispatch, the conformance and gradient cases and the `UnaryOp` union are
 * all derived from this table.
 */
export const unaryOps = {
  neg: {
    fn: (x) => -x,
    gpu: '-v',
    wasm: { vector: (f) => f.f32x4neg(), scalar: (f) => f.f32neg() },
    domain: [-2, 2],
    grad: { rule: (dy) => [neg(dy)], inputs: { magnitude: [0.2, 2] } },
  },
  exp: {
    fn: Math.exp,
    gpu: passNaN('Math.exp(v)'),
    floatOnly: true,
    domain: [-2, 2],
    grad: { rule: (dy, _x, y) => [mul(dy, y)], inputs: { magnitude: [0.1, 2] } },
  },
  log: {
    fn: Math.log,
    gpu: passNaN('Math.log(v)'),
    floatOnly: true,
    domain: [0.1, 3],
    grad: { rule: (dy, [x]) => [div(dy, x)], inputs: { uniform: [0.3, 3] } },
  },
  sqrt: {
    fn: Math.sqrt,
    gpu: 'Math.sqrt(v)',
    wasm: { vector: (f) => f.f32x4sqrt(), scalar: (f) => f.f32sqrt() },
    floatOnly: true,
    domain: [0, 3],
    grad: { rule: (dy, _x, y) => [div(dy, mul(y, 2))], inputs: { uniform: [0.3, 3] } },
  },
  abs: {
    fn: Math.abs,
    gpu: 'Math.abs(v)',
    wasm: { vector: (f) => f.f32x4abs(), scalar: (f) => f.f32abs() },
    domain: [-2, 2],
    grad: { rule: (dy, [x]) => [mul(dy, sign(x))], inputs: { magnitude: [0.2, 2] } },
  },
  /** -1, 0 or 1; not differentiable (zero gradient almost everywhere, so nothing flows). */
  sign: {
    fn: Math.sign,
    gpu: '(v > 0 ? 1.0 : (v < 0 ? -1.0 : v))',
    // As Math.sign: 1 where x > 0, -1 where x < 0, else x itself (0, -0 and NaN pass through).
    wasm: {
      vector: (f, v) => f.set(v).f32const(1).f32x4splat().f32const(-1).f32x4splat().get(v).get(v).v128zero().f32x4lt().bitselect()
        .get(v).v128zero().f32x4gt().bitselect(),
      scalar: (f, s) => f.set(s).f32const(1).f32const(-1).get(s).get(s).f32const(0).f32lt().select().get(s).f32const(0).f32gt().select(),
    },
    domain: [-2, 2],
  },
  tanh: {
    fn: Math.tanh,
    // Through exp of a non-positive argument: no overflow, sign restored after.
    gpu: passNaN('(v < 0 ? -1.0 : 1.0) * (1.0 - Math.exp(-2.0 * Math.abs(v))) / (1.0 + Math.exp(-2.0 * Math.abs(v)))'),
    floatOnly: true,
    domain: [-3, 3],
    grad: { rule: (dy, _x, y) => [mul(dy, sub(1, mul(y, y)))], inputs: { magnitude: [0.1, 2] } },
  },
  /**
   * `x <= 0 ? 0 : x`: NaN stays NaN (as PyTorch's relu and IEEE max(x, 0)), -0 gives +0, on every
   * backend. One comparison, and the wasm kernels mask with `0 >= x`, false for NaN. The shader
   * tests NaN first: Mesa's llvmpipe (headless-gl on a machine without a GPU) takes NaN <= 0 as true.
   */
  relu: {
    fn: (x) => (x <= 0 ? 0 : x),
    gpu: passNaN('(v <= 0.0 ? 0.0 : v)'),
    wasm: {
      vector: (f, v) => f.tee(v).v128zero().get(v).f32x4ge().v128andnot(),
      scalar: (f, s) => f.set(s).f32const(0).get(s).f32const(0).get(s).f32ge().select(),
    },
    domain: [-2, 2],
    // b is the number 0 so where marks the result's zeros: the next layer's backward may read them.
    grad: { rule: (dy, [x]) => [where(greater(x, 0), dy, 0)], inputs: { magnitude: [0.1, 2] } },
  },
  sigmoid: {
    fn: (x) => 1 / (1 + Math.exp(-x)),
    gpu: passNaN('1.0 / (1.0 + Math.exp(-v))'),
    floatOnly: true,
    domain: [-4, 4],
    grad: { rule: (dy, _x, y) => [mul(dy, mul(y, sub(1, y)))], inputs: { magnitude: [0.1, 3] } },
  },
  /** Not differentiable. */
  floor: {
    fn: Math.floor,
    gpu: 'Math.floor(v)',
    domain: [-3, 3],
  },
} satisfies Record<string, UnaryDef>;

/** The name of a unary elementwise op (neg, exp, log, sqrt, abs, sign, tanh, relu, sigmoid, ...). */
export type UnaryOp = keyof typeof unaryOps;
/** Unary ops with a backward rule. */
export type DiffUnaryOp = KeysWith<typeof unaryOps, 'grad'>;
/** Unary ops with a wasm SIMD kernel. */
export type WasmUnaryOp = KeysWith<typeof unaryOps, 'wasm'>;

export const UNARY_OPS = Object.keys(unaryOps) as UnaryOp[];
export const DIFF_UNARY_OPS: readonly DiffUnaryOp[] = keysWith(unaryOps, 'grad');
export const WASM_UNARY_OPS: readonly WasmUnaryOp[] = keysWith(unaryOps, 'wasm');

/** The entry of `op`, seen through the interface (optional fields readable on every op). */
export const unaryDef = (op: UnaryOp): UnaryDef => unaryOps[op];
