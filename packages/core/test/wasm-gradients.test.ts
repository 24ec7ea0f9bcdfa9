import { afterAll, describe, expect, it } from 'vitest';
import { CpuBackend } from '../src/index.js';
import { WasmBackend } from '../src/backends/wasm/index.js';
import { compareGradients, gradCases } from '../src/testing/index.js';

/**
 * The float64 finite-difference suite (gradients.test.ts) runs on the TypeScript kernels, which
 * the wasm backend uses for float64. Here the same cases run in float32, where the wasm kernels
 * are live, and the tape's gradients must match the JS path's.
 */
describe('gradients: wasm path against the JS path (float32)', () => {
  const wasm = new WasmBackend({ threads: 2, minParallelFlops: 0 });
  const js = new CpuBackend();
  afterAll(() => wasm.dispose());
  it.each(gradCases().map((c) => [c.name, c] as const))('%s', (_name, c) => {
    for (const seed of [11, 12, 13]) {
      const { maxError, worst } = compareGradients(c, seed, wasm, js);
      expect(maxError, `seed ${seed}: ${worst}`).toBeLessThan(1e-4);
    }
  });
});
