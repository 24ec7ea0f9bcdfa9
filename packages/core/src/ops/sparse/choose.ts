import type { GradContext } from '../../autodiff/rules.js';
import type { Backend } from '../../backend.js';
import { sparsePays, type SparseLayer, type SparsePass } from '../../backends/sparse-cost.js';
import { engine } from '../../engine.js';
import type { Tensor } from '../../tensor.js';
import { Nonzeros, nonzerosOf, winnersOf, Winners, type SparseTensors } from './structure.js';

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
 * May x's input gradient be computed at x's sparse entries only (zero elsewhere)? Only when every
 * use of that gradient goes through an op that zeroes it everywhere else anyway, and x, or any
 * reshape between x and that op, is not a tensor the backward pass hands back (a requested `wrt`,
 * a leaf's `.grad`; a detached copy is a leaf):
 *  - a k-WTA's winners: the where(mask, ·, 0) that made x, with the winners' own mask;
 *  - a ReLU's non-zeros: the relu that made x, whose backward passes the gradient only where its
 *    input was positive, i.e. where x is non-zero. (Other where(·, ·, 0) zeros do not qualify: a
 *    kept entry that happens to be 0 still takes its gradient.)
 */
export function gradientMaskedAt(x: Tensor, structure: Winners | Nonzeros, ctx: GradContext): boolean {
  for (let t: Tensor = x; ;) {
    const node = t.node;
    if (ctx.isTarget(t) || !node) return false;
    if (node.op === 'reshape') {
      t = node.inputs[0];
      continue;
    }
    if (structure instanceof Nonzeros) return node.op === 'relu';
    return node.op === 'where' && (node.attrs as { cond: Tensor }).cond.storage === structure.maskStorage;
  }
}

/** The structure x carries (viewed as [x.shape[0], the rest]): a k-WTA's winners, a ReLU's or a where(·, ·, 0)'s zeros, or null. */
export function structureOf(x: Tensor): Winners | Nonzeros | null {
  return winnersOf(x) ?? nonzerosOf(x);
}

/**
 * The sparse rows of a pass's operands (each a k-WTA's winners or counted non-zeros), when the
 * pass's sparse kernel pays at their entries per row (`wins(ks)`); null: run the dense one. A
 * count costs one pass over the operand (for the paper's layers 1/50-1/6000 of the dense product,
 * and shared by the forward and both backward products), so the non-zeros are counted whenever
 * the pass would pay were they as few as possible (one per row), then it decides on the counts.
 */
export function sparseRows(xs: Tensor[], wins: (ks: number[]) => boolean): SparseTensors[] | null {
  const structures = xs.map(structureOf);
  if (structures.some((s) => !s) || !wins(structures.map((s) => (s instanceof Winners ? s.k : 1)))) return null;
  const entries = xs.map((x, i) => {
    const s = structures[i]!;
    if (s instanceof Winners) return { k: s.k, rows: s.entries(x.storage, x.dtype) };
    const rows = x.shape[0], e = s.entries(x.storage, x.dtype, rows, x.size / rows);
    return { k: e.nnz / rows, rows: e.rows };
  });
  if (structures.some((s) => s instanceof Nonzeros) && !wins(entries.map((e) => e.k))) return null;
  return entries.map((e) => e.rows);
}

/**
 * The sparse rows of a layer's input x for its forward pass, when it carries a k-WTA's winners
 * or a ReLU's zeros and the sparse kernel pays; null: run the dense one. `layerAt(k)` is the
 * layer for the cost model with k entries per row of x.
 */
export function forwardRows(x: Tensor, layerAt: (k: number) => SparseLayer): SparseTensors | null {
  return sparseRows([x], ([k]) => sparseWins(x.storage.backend, layerAt(k), 'forward'))?.[0] ?? null;
}
