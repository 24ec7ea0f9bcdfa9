import type { KernelAttrs } from '../../backend.js';
import { makeArray } from '../../dtype.js';
import type { CpuArray, FloatArray } from './types.js';

/**
 * One SGD step in one pass over p, g (and the momentum buffer): what `@kwta/optim`'s SGD wrote as
 * five to eight elementwise ops, each a pass over memory. Every intermediate is rounded to the
 * dtype exactly where one of those ops would round it, so the result is bit for bit theirs (and
 * PyTorch's order of operations):
 *   g ← g + wd·p;  b ← g (first step) or μ·b + (1 − d)·g;  g ← g + μ·b (Nesterov) or b;  p ← p − lr·g.
 * Scalars are the dtype's values of the hyperparameters, as a scalar operand would be.
 */
export function sgdUpdate([p, g, buf]: CpuArray[], a: KernelAttrs['sgdUpdate']): CpuArray[] {
  const r = p.dtype === 'float32' ? Math.fround : (v: number) => v;
  const lr = r(a.lr), mu = r(a.momentum), keep = r(1 - a.dampening), wd = r(a.weightDecay);
  const pv = p.values as FloatArray, gv = g.values as FloatArray, bv = buf ? (buf.values as FloatArray) : null;
  const n = pv.length;
  const np = makeArray(p.dtype, n) as FloatArray;
  const nb = a.momentum !== 0 ? (makeArray(p.dtype, n) as FloatArray) : null;
  for (let i = 0; i < n; i++) {
    let gi = gv[i];
    if (a.weightDecay !== 0) gi = r(gi + r(pv[i] * wd));
    if (nb) {
      const b = bv ? r(r(bv[i] * mu) + r(gi * keep)) : gi;
      nb[i] = b;
      gi = a.nesterov ? r(gi + r(b * mu)) : b;
    }
    np[i] = r(pv[i] - r(gi * lr));
  }
  const out: CpuArray[] = [{ values: np, shape: p.shape, dtype: p.dtype }];
  if (nb) out.push({ values: nb, shape: p.shape, dtype: p.dtype });
  return out;
}
