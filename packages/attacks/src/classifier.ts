import { ShapeError, type Tensor } from '@kwta/core';

/**
 * Anything that maps a batch of inputs in [0, 1] (normalisation belongs inside the model) to
 * logits [N, classes]: an object with `forward` (an nn Module, say) or a plain function.
 * Attacks never depend on how the model is built, only on this.
 */
export type Classifier =
  | {
      /** Logits [N, classes] of the batch x. */
      forward(x: Tensor): Tensor;
    }
  | ((x: Tensor) => Tensor);

/** A classifier as a plain function: images [N, ...] to logits [N, classes]. */
export type ForwardFn = (x: Tensor) => Tensor;

/** The model as a function that checks its output is [N, classes] for an N-row input. */
export function forwardOf(model: Classifier, what = 'model'): ForwardFn {
  const f: ForwardFn = typeof model === 'function' ? model : (x) => model.forward(x);
  return (x) => {
    const logits = f(x);
    if (logits.rank !== 2 || logits.shape[0] !== x.shape[0]) {
      throw new ShapeError(`attacks: ${what} must return logits [N, classes] for input ${x.describe()}, got ${logits.describe()}`);
    }
    return logits;
  };
}

/** Row-wise argmax of logits held on the host. */
export function argmaxRows(logits: ArrayLike<number>, rows: number, classes: number): Int32Array {
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let c = 1; c < classes; c++) if (logits[r * classes + c] > logits[r * classes + best]) best = c;
    out[r] = best;
  }
  return out;
}

/** Predictions from logits already on the host, [rows * classes]. */
export function predsFromLogits(logits: ArrayLike<number>, rows: number): Int32Array {
  return argmaxRows(logits, rows, logits.length / rows);
}
