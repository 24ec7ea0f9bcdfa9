import { afterAll, describe, expect, it } from 'vitest';
import { CpuBackend, Generator, mul, sum, tensor, tidy, valueAndGrad, type Tensor } from '../src/index.js';
import { WasmBackend } from '../src/backends/wasm/index.js';
import { gradCases, withBackend, type GradCase } from '../src/testing/index.js';

/**
 * The float64 finite-difference suite (gradients.test.ts) runs on the TypeScript kernels, which
 * the wasm backend uses for float64. Here the same cases run in float32, where the wasm kernels
 * are live, and the tape's gradients must match the JS path's.
 */
function float32Grads(c: GradCase, seed: number): Float32Array[] {
  const { inputs, f } = c.make(new Generator(seed));
  const proj = new Generator(seed ^ 0x5bd1e995);
  return tidy(() => {
    const xs = inputs.map((x) => tensor(Float32Array.from(x.values), x.shape, 'float32'));
    const probe = f(...xs);
    const R = tensor(Float32Array.from({ length: probe.size }, () => proj.uniform() * 2 - 1), probe.shape, probe.dtype);
    const { grads } = valueAndGrad((...args: Tensor[]) => sum(mul(f(...args), R)))(...xs);
    return grads.map((g) => g.dataSync() as Float32Array);
  });
}

describe('gradients: wasm path against the JS path (float32)', () => {
  const wasm = new WasmBackend({ threads: 2, minParallelFlops: 0 });
  const js = new CpuBackend();
  afterAll(() => wasm.dispose());
  it.each(gradCases().map((c) => [c.name, c] as const))('%s', (_name, c) => {
    for (const seed of [11, 12, 13]) {
      const want = withBackend(js, () => float32Grads(c, seed));
      const got = withBackend(wasm, () => float32Grads(c, seed));
      expect(got.length).toBe(want.length);
      got.forEach((g, i) => {
        let worst = 0;
        for (let j = 0; j < g.length; j++) worst = Math.max(worst, Math.abs(g[j] - want[i][j]) / (1 + Math.abs(want[i][j])));
        expect(worst, `${c.name} seed ${seed} input ${i}`).toBeLessThan(1e-4);
      });
    }
  });
});
