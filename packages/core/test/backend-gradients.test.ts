import { afterAll, describe, expect, it } from 'vitest';
import { compareGradients, gradCases } from '../src/testing/index.js';
import { BACKENDS, REFERENCE } from './backends.js';

/**
 * The float64 finite-difference suite (gradients.test.ts) runs on the TypeScript kernels, which
 * the wasm backend uses for float64. Here the same cases run in float32, where the wasm kernels
 * are live, and each backend's tape gradients must match the CPU backend's.
 */
describe.each(BACKENDS.filter((b) => b !== REFERENCE))('gradients: %s, against the CPU backend (float32)', (_label, make) => {
  const backend = make();
  const reference = REFERENCE[1]();
  afterAll(() => backend.dispose?.());
  it.each(gradCases().map((c) => [c.name, c] as const))('%s', (_name, c) => {
    for (const seed of [11, 12, 13]) {
      const { maxError, worst } = compareGradients(c, seed, backend, reference);
      expect(maxError, `seed ${seed}: ${worst}`).toBeLessThan(1e-4);
    }
  });
});
