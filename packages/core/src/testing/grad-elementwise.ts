import * as ops from '../ops/index.js';
import { DERIVED_OPS, DIFF_BINARY_OPS, DIFF_UNARY_OPS, binaryOps, derivedOps, unaryOps } from '../ops/definitions/index.js';
import type { GradCase } from './gradcheck.js';
import { apart, broadcastPair, dim, sample } from './samplers.js';

/**
 * The gradient cases of the elementwise ops, made from their definitions: every differentiable
 * primitive on its `grad.inputs` (binary ones with random broadcasting), every derived op on its
 * `gradInputs`.
 */
export function elementwiseGradCases(): GradCase[] {
  const unary: GradCase[] = DIFF_UNARY_OPS.map((op) => ({
    name: op,
    covers: [op],
    make: (g) => ({ inputs: [sample(g, [dim(g), dim(g)], unaryOps[op].grad.inputs)], f: (x) => ops[op](x) }),
  }));
  const binary: GradCase[] = DIFF_BINARY_OPS.map((op) => ({
    name: `${op} (broadcast)`,
    covers: [op],
    make: (g) => {
      const [sa, sb] = broadcastPair(g);
      const how = binaryOps[op].grad.inputs;
      const inputs = 'apart' in how ? apart(g, sa, sb, how.apart) : [sample(g, sa, how[0]), sample(g, sb, how[1])];
      return { inputs, f: (a, b) => ops[op](a, b) };
    },
  }));
  const derived: GradCase[] = DERIVED_OPS.map((op) => ({
    name: op,
    covers: [],
    make: (g) => ({ inputs: [sample(g, [dim(g), dim(g)], derivedOps[op].gradInputs)], f: (x) => ops[op](x) }),
  }));
  return [...unary, ...binary, ...derived];
}
