import { keysWith, type CompareDef, type KeysWith } from './types.js';

/**
 * Every comparison (a bool mask, no gradient), each defined once; see unary.ts. The wasm kernels
 * are the ReLU-gradient and clamp masks (a tensor against a scalar).
 */
export const compareOps = {
  equal: { fn: (a, b) => a === b, gpu: 'x == y' },
  notEqual: { fn: (a, b) => a !== b, gpu: 'x != y' },
  less: { fn: (a, b) => a < b, gpu: 'x < y', wasm: { vector: (f) => f.f32x4lt(), scalar: (f) => f.f32lt() } },
  lessEqual: { fn: (a, b) => a <= b, gpu: 'x <= y' },
  greater: { fn: (a, b) => a > b, gpu: 'x > y', wasm: { vector: (f) => f.f32x4gt(), scalar: (f) => f.f32gt() } },
  greaterEqual: { fn: (a, b) => a >= b, gpu: 'x >= y' },
} satisfies Record<string, CompareDef>;

/** The name of a comparison (equal, notEqual, less, lessEqual, greater, greaterEqual). */
export type CompareOp = keyof typeof compareOps;
export type WasmCompareOp = KeysWith<typeof compareOps, 'wasm'>;

export const COMPARE_OPS = Object.keys(compareOps) as CompareOp[];
export const WASM_COMPARE_OPS: readonly WasmCompareOp[] = keysWith(compareOps, 'wasm');

export const compareDef = (op: CompareOp): CompareDef => compareOps[op];
