import type { GradContext } from '../../autodiff/rules.js';
import type { Backend } from '../../backend.js';
import { sparsePays, type SparseLayer, type SparsePass } from '../../backends/sparse-cost.js';
import { engine } from '../../engine.js';
import type { Tensor } from '../../tensor.js';
import type { Winners } from './structure.js';

/**
 * Per pass, sparse or dense: `setSparsePath` decides ('off' never, 'always' whenever the
 * structure allows), else the backend's cost model (docs/sparse.md: the first layer, a large
 * gamma and tiny layers stay dense; a backend without rates, e.g. gpu.js, always does).
 */
export function sparseWins(backend: Backend, layer: SparseLayer, pass: SparsePass): boolean {
  const mode = engine.sparsePath;
  if (mode === 'off') return false;
  if (mode === 'always') return true;
  return backend.sparseRates !== undefined && sparsePays(layer, pass, backend.sparseRates);
}

/**
 * May x's input gradient be computed at its winners only? Only when every use of that gradient
 * goes through the where(mask, ·, 0) that made x (the k-WTA's backward, which zeroes the rest
 * anyway): x, and any reshape between x and that where, is not a tensor the backward pass hands
 * back (a requested `wrt`, a leaf's `.grad`; a detached copy of a k-WTA output is a leaf).
 */
export function gradientMaskedAt(x: Tensor, winners: Winners, ctx: GradContext): boolean {
  for (let t: Tensor = x; ;) {
    const node = t.node;
    if (ctx.isTarget(t) || !node) return false;
    if (node.op === 'reshape') {
      t = node.inputs[0];
      continue;
    }
    return node.op === 'where' && (node.attrs as { cond: Tensor }).cond.storage === winners.maskStorage;
  }
}
