import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { gradRules, type DiffOp } from '../src/index.js';
import { checkGradients, gradCases } from '../src/testing/index.js';

// Fixed seed so CI is reproducible; a failure prints the counterexample seed.
const FC_SEED = 20260101;
const RUNS = Number(process.env.KWTA_GRAD_RUNS ?? 12);

describe('gradients: tape vs central finite differences in float64', () => {
  it.each(gradCases().map((c) => [c.name, c] as const))('%s', (_name, c) => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), (seed) => {
        const { maxError, worst } = checkGradients(c, seed);
        expect(maxError, worst).toBeLessThan(1e-6);
      }),
      { seed: FC_SEED, numRuns: RUNS },
    );
  });
});

describe('gradient registry', () => {
  it('every primitive with a backward rule is exercised by a gradient case', () => {
    const covered = new Set<DiffOp>(gradCases().flatMap((c) => c.covers));
    const missing = (Object.keys(gradRules) as DiffOp[]).filter((op) => !covered.has(op));
    expect(missing).toEqual([]);
  });

  it('every differentiable public op has a gradient case', () => {
    const names = gradCases().map((c) => c.name.split(' ')[0]);
    const publicDifferentiable = [
      'neg', 'exp', 'log', 'sqrt', 'abs', 'tanh', 'relu', 'sigmoid', 'add', 'sub', 'mul', 'div', 'pow',
      'maximum', 'minimum', 'where', 'cast', 'sum', 'max', 'min', 'mean', 'variance', 'logsumexp', 'softmax',
      'logSoftmax', 'softplus', 'clamp', 'matmul', 'conv2d', 'maxPool2d', 'avgPool2d', 'reshape/flatten',
      'transpose', 'slice', 'pad', 'concat/stack', 'gather', 'takeAlong', 'topk', 'kWinners',
    ];
    expect(publicDifferentiable.filter((n) => !names.includes(n))).toEqual([]);
  });
});
