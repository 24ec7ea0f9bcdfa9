import { binaryOps, DIFF_BINARY_OPS, type DiffBinaryOp } from './binary.js';
import type { ElementwiseGradRule } from './types.js';
import { DIFF_UNARY_OPS, unaryOps, type DiffUnaryOp } from './unary.js';

export * from './types.js';
export * from './unary.js';
export * from './binary.js';
export * from './compare.js';
export * from './derived.js';

/** Elementwise primitives with a backward rule. */
export type DiffElementwiseOp = DiffUnaryOp | DiffBinaryOp;

/** The elementwise part of `gradRules`, taken from the definitions. */
export function elementwiseGradRules(): { [O in DiffElementwiseOp]: ElementwiseGradRule } {
  const rules: [DiffElementwiseOp, ElementwiseGradRule][] = [
    ...DIFF_UNARY_OPS.map((op) => [op, unaryOps[op].grad.rule] as [DiffElementwiseOp, ElementwiseGradRule]),
    ...DIFF_BINARY_OPS.map((op) => [op, binaryOps[op].grad.rule] as [DiffElementwiseOp, ElementwiseGradRule]),
  ];
  return Object.fromEntries(rules) as { [O in DiffElementwiseOp]: ElementwiseGradRule };
}
