import type { Backend } from '../backend.js';
import { valueAndGrad } from '../autodiff/tape.js';
import { getSparsePath, noGrad, tidy, withSparsePath } from '../engine.js';
import { Generator } from '../random.js';
import type { Tensor } from '../tensor.js';
import * as ops from '../ops/index.js';
import type { GradCase } from './gradcheck.js';
import { withBackend } from './harness.js';

/** How far a backend's float32 gradients are from the CPU backend's: the largest error and where. */
export interface GradDiff {
  maxError: number;
  worst: string;
}

/** Analytic gradients of sum(f(x) * R) in float32 on one backend (inputs and R from `seed`). */
function float32Grads(c: GradCase, seed: number, backend: Backend): Float32Array[] {
  return withBackend(backend, () => withSparsePath(c.sparsePath ?? getSparsePath(), () => tidy(() => {
    const { inputs, f } = c.make(new Generator(seed));
    const xs = inputs.map((x) => ops.tensor(Float32Array.from(x.values), x.shape, 'float32'));
    const probe = noGrad(() => f(...xs));
    const proj = new Generator((seed ^ 0x5bd1e995) >>> 0);
    const R = ops.tensor(Float32Array.from({ length: probe.size }, () => proj.uniform() * 2 - 1), probe.shape, probe.dtype);
    const { grads } = valueAndGrad((...args: Tensor[]) => ops.sum(ops.mul(f(...args), R)))(...xs);
    return grads.map((g) => Float32Array.from(g.dataSync()));
  })));
}

/**
 * A gradient case on a float32 backend: its analytic gradients against the reference backend's
 * (the CPU backend), both in float32 (finite differences in float32 would measure rounding, not
 * the rules; the rules themselves are checked in float64 by `checkGradients`). Error per
 * element: |got - want| / (1 + |want|).
 */
export function compareGradients(c: GradCase, seed: number, backend: Backend, reference: Backend): GradDiff {
  const got = float32Grads(c, seed, backend);
  const want = float32Grads(c, seed, reference);
  if (got.length !== want.length) throw new Error(`${c.name}: ${got.length} gradients on ${backend.name}, ${want.length} on ${reference.name}`);
  let maxError = 0, worst = 'none';
  want.forEach((w, i) => {
    if (got[i].length !== w.length) throw new Error(`${c.name}: gradient ${i} has ${got[i].length} elements, expected ${w.length}`);
    for (let j = 0; j < w.length; j++) {
      const err = Math.abs(got[i][j] - w[j]) / (1 + Math.abs(w[j]));
      if (!(err <= maxError)) {
        maxError = Number.isNaN(err) ? Infinity : err;
        worst = `${c.name}: input ${i} element ${j}: ${got[i][j]} on ${backend.name} vs ${w[j]} on ${reference.name}`;
      }
    }
  });
  return { maxError, worst };
}
