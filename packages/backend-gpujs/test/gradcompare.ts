import { Generator, mul, noGrad, sum, tensor, tidy, valueAndGrad, type Backend, type Tensor } from '@kwta/core';
import { withBackend, type GradCase } from '@kwta/core/testing';

export interface GradDiff {
  maxError: number;
  worst: string;
}

/** Analytic gradients of sum(f(x) * R) in float32 on one backend (inputs and R from `seed`). */
function float32Grads(c: GradCase, seed: number, backend: Backend): Float32Array[] {
  return withBackend(backend, () => tidy(() => {
    const { inputs, f } = c.make(new Generator(seed));
    const xs = inputs.map((x) => tensor(Float32Array.from(x.values), x.shape, 'float32'));
    const probe = noGrad(() => f(...xs));
    const proj = new Generator(seed ^ 0x5bd1e995);
    const R = tensor(Float32Array.from({ length: probe.size }, () => proj.uniform() * 2 - 1), probe.shape, probe.dtype);
    const { grads } = valueAndGrad((...args: Tensor[]) => sum(mul(f(...args), R)))(...xs);
    return grads.map((g) => Float32Array.from(g.dataSync()));
  }));
}

/**
 * The gradient cases on a float32 backend: its analytic gradients against the CPU backend's, both
 * in float32 (finite differences in float32 would measure rounding, not the rules). Error per
 * element: |got - want| / (1 + |want|).
 */
export function compareGradients(c: GradCase, seed: number, backend: Backend, reference: Backend): GradDiff {
  const got = float32Grads(c, seed, backend);
  const want = float32Grads(c, seed, reference);
  let maxError = 0, worst = 'none';
  want.forEach((w, i) => {
    if (got[i].length !== w.length) throw new Error(`${c.name}: gradient ${i} has ${got[i].length} elements, expected ${w.length}`);
    for (let j = 0; j < w.length; j++) {
      const err = Math.abs(got[i][j] - w[j]) / (1 + Math.abs(w[j]));
      if (!(err <= maxError)) {
        maxError = Number.isNaN(err) ? Infinity : err;
        worst = `${c.name}: input ${i} element ${j}: ${got[i][j]} vs cpu ${w[j]}`;
      }
    }
  });
  return { maxError, worst };
}
