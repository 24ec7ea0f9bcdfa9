import type { Backend } from '../../backend.js';
import { runOp } from '../../autodiff/op.js';
import { engine, noGrad } from '../../engine.js';
import { sizeOf } from '../../shape.js';
import type { Storage, StorageStructure, Tensor } from '../../tensor.js';

/**
 * The structure a k-WTA leaves on its output, carried by the output's Storage (so reshape,
 * flatten and detach keep it, and every other op, making new storage, drops it):
 *  - topkMask's mask is an ExactKMask: exactly k set in each row of its last axis;
 *  - where(mask, a, 0) with such a mask (the k-WTA itself, and the k-WTA's backward rule on the
 *    gradient) is Winners: zero outside the mask. Its sparse rows, the winners' indices and
 *    values, are extracted on first use (the `winners` kernel) and kept with the storage.
 *  - relu's output, and any other where(cond, a, 0) (a ReLU's backward among them), is Nonzeros:
 *    its non-zeros, counted and extracted on first use (the layer after it may read them forward,
 *    and backward read a ReLU's as the positions its input gradient is needed at, docs/sparse.md).
 * A layer reads a k-WTA's through `winnersOf(x)` when its view of x has one row per mask row.
 */

/** Is the sparse path possible at all here? (Else no structure is kept: nothing to hold, nothing to pay.) */
export function sparsePathOn(backend: Backend): boolean {
  const mode = engine.sparsePath;
  return mode === 'always' || (mode === 'auto' && backend.sparseRates !== undefined);
}

export class ExactKMask implements StorageStructure {
  readonly kind = 'exactK';
  constructor(readonly k: number, readonly rows: number, readonly cols: number) {}
  release(): void {}
}

/** Sparse rows on the backend (backend.ts: rowPtr, indices, values). */
export interface SparseTensors {
  rowPtr: Tensor;
  indices: Tensor;
  values: Tensor;
}

/** A tensor on `storage` owned by a structure: outside every tidy scope, disposed by `release`. */
function held(storage: Storage, shape: number[], dtype: Tensor['dtype']): Tensor {
  storage.refs++;
  const t = engine.makeTensor(storage, shape, dtype);
  engine.keep(t);
  return t;
}

export class Winners implements StorageStructure {
  readonly kind = 'winners';
  private rowsCache: SparseTensors | null = null;
  private released = false;

  constructor(readonly k: number, readonly rows: number, readonly cols: number, private readonly mask: Tensor) {}

  /** The mask's storage: a rule compares it with a where node's condition. */
  get maskStorage(): Storage {
    return this.mask.storage;
  }

  /** The entries of `storage` (this structure's own) at the winners, extracted once. */
  entries(storage: Storage, dtype: Tensor['dtype']): SparseTensors {
    if (this.rowsCache) return this.rowsCache;
    const rows = noGrad(() => {
      const x = held(storage, [this.rows, this.cols], dtype);
      try {
        return runOp('winners', [x, this.mask], { k: this.k });
      } finally {
        x.dispose();
      }
    });
    for (const t of rows) engine.keep(t);
    const [rowPtr, indices, values] = rows;
    return (this.rowsCache = { rowPtr, indices, values });
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    this.mask.dispose();
    if (this.rowsCache) for (const t of Object.values(this.rowsCache)) t.dispose();
    this.rowsCache = null;
  }
}

/**
 * relu's output: zero wherever its input was not positive. Its non-zeros per row, for the row
 * length a consumer views it with, are extracted on first use (the `nonzeros` kernel) and kept
 * with the storage; unlike a k-WTA's, their count is known only then.
 */
export class Nonzeros implements StorageStructure {
  readonly kind = 'nonzeros';
  private cache: { cols: number; rows: SparseTensors; nnz: number } | null = null;

  /** The non-zeros of `storage` viewed as [rows, cols], and how many there are. */
  entries(storage: Storage, dtype: Tensor['dtype'], rows: number, cols: number): { rows: SparseTensors; nnz: number } {
    if (this.cache?.cols === cols) return this.cache;
    this.release();
    const [rowPtr, indices, values] = noGrad(() => {
      const x = held(storage, [rows, cols], dtype);
      try {
        return runOp('nonzeros', [x], {});
      } finally {
        x.dispose();
      }
    });
    for (const t of [rowPtr, indices, values]) engine.keep(t);
    this.cache = { cols, rows: { rowPtr, indices, values }, nnz: indices.size };
    return this.cache;
  }

  release(): void {
    if (this.cache) for (const t of Object.values(this.cache.rows)) t.dispose();
    this.cache = null;
  }
}

/** relu's output keeps its zeros' structure (when the sparse path may use it). */
export function markNonzeros(y: Tensor): Tensor {
  if (sparsePathOn(y.storage.backend) && !y.storage.structure) y.storage.structure = new Nonzeros();
  return y;
}

/** The Nonzeros structure x carries, when x has a batch axis to make rows of; else null. */
export function nonzerosOf(x: Tensor): Nonzeros | null {
  const s = x.storage.structure;
  return s instanceof Nonzeros && x.rank >= 2 && x.shape[0] > 0 ? s : null;
}

/** topkMask's output: exactly k winners in each row of its last axis. */
export function markExactK(mask: Tensor, k: number): void {
  if (!sparsePathOn(mask.storage.backend) || mask.storage.structure) return;
  const cols = mask.shape[mask.rank - 1];
  mask.storage.structure = new ExactKMask(k, cols === 0 ? 0 : mask.size / cols, cols);
}

/**
 * `out` = where(cond, a, 0) (`bIsZero`: the caller passed the number 0 as b) is zero wherever
 * cond is false: with an exact-k mask of out's own size, out is zero outside its winners; with any
 * other mask (a ReLU's backward is such a where), its non-zeros may be read.
 */
export function markWhereZeros(out: Tensor, cond: Tensor, a: Tensor, bIsZero: boolean): void {
  const mask = cond.storage.structure;
  if (!bIsZero || out.storage.structure) return;
  if (!(mask instanceof ExactKMask)) {
    markNonzeros(out);
    return;
  }
  if (a.size !== cond.size || out.size !== cond.size || sizeOf(cond.shape) !== mask.rows * mask.cols) return;
  out.storage.structure = new Winners(mask.k, mask.rows, mask.cols, held(cond.storage, [mask.rows, mask.cols], 'bool'));
}

/** The winners x carries, when x viewed as [x.shape[0], the rest] is one row per mask row; else null. */
export function winnersOf(x: Tensor): Winners | null {
  const s = x.storage.structure;
  if (!(s instanceof Winners) || x.rank < 2 || x.shape[0] !== s.rows || x.size !== s.rows * s.cols) return null;
  return s;
}

/** x's winners as sparse rows (extracted on first use), or null when x carries none. */
export function sparseRowsOf(x: Tensor): SparseTensors | null {
  return winnersOf(x)?.entries(x.storage, x.dtype) ?? null;
}
