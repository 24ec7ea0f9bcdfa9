import { CpuBackend } from '@kwta/core';
import { compareGradients, gradCases } from '@kwta/core/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GpuJsBackend, tolerances } from '../src/index.js';
import { TEST_MODES } from './modes.js';

const FC_SEED = 20260101;
const RUNS = Number(process.env.KWTA_GRAD_RUNS ?? 6);

// Every core gradient case, unchanged, with float32 inputs: analytic gradients on this backend
// against the CPU backend's (the CPU backend's own rules are checked against finite differences
// in core). The bound is the mode's tolerance with headroom for a backward chain of ~5 kernels.
describe.each(TEST_MODES)('gradients: gpujs %s mode vs the cpu backend (float32)', (mode) => {
  const backend = new GpuJsBackend({ mode, selection: 'kernels', strict: true });
  const reference = new CpuBackend();
  const bound = 5 * tolerances[mode].rtol;
  it.each(gradCases().map((c) => [c.name, c] as const))('%s', (_name, c) => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), (seed) => {
        const { maxError, worst } = compareGradients(c, seed, backend, reference);
        expect(maxError, worst).toBeLessThan(bound);
      }),
      { seed: FC_SEED, numRuns: RUNS },
    );
  });
});
