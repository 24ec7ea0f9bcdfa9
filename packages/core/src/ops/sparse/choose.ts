import type { GradContext } from '../../autodiff/rules.js';
import type { Backend } from '../../backend.js';
import { sparsePays, type SparseLayer, type SparsePass } from '../../backends/sparse-cost.js';
import { engine } from '../../engine.js';
import type { Tensor } from '../../tensor.js';
import { nonzerosOf, winnersOf, type SparseTensors, type Winners } from './structure.js';

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

/**
 * The density assumed for a ReLU output before its non-zeros are counted: only a layer whose
 * sparse forward would pay at this density pays for the count, then decides on the count. A
 * briefly trained MNIST CNN measured 0.26-0.71 (docs/sparse.md): its convolutions (crossovers
 * 0.4-0.6) stay dense without counting, its linear layers (0.87) count.
 */
export const RELU_PRIOR_DENSITY = 0.5;

/**
 * The sparse rows of a layer's input x for its forward pass, when it carries a k-WTA's winners
 * or a ReLU's zeros and the sparse kernel pays; null: run the dense one. `layerAt(k)` is the
 * layer for the cost model with k entries per row of x.
 */
export function forwardRows(x: Tensor, layerAt: (k: number) => SparseLayer): SparseTensors | null {
  const backend = x.storage.backend;
  const winners = winnersOf(x);
  if (winners) return sparseWins(backend, layerAt(winners.k), 'forward') ? winners.entries(x.storage, x.dtype) : null;
  const zeros = nonzerosOf(x);
  const rows = x.shape[0], cols = x.size / Math.max(1, rows);
  if (!zeros || !sparseWins(backend, layerAt(RELU_PRIOR_DENSITY * cols), 'forward')) return null;
  const e = zeros.entries(x.storage, x.dtype, rows, cols);
  return sparseWins(backend, layerAt(e.nnz / rows), 'forward') ? e.rows : null;
}
