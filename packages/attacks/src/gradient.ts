import { gradients, tidy, valueAndGrad, zeros, type Tensor } from '@kwta/core';
import type { ForwardFn } from './classifier.js';
import { attackObjective, type AttackLoss } from './losses.js';
import type { AttackState } from './state.js';

/**
 * Run `fn` with gradient recording on, even when the caller is inside `noGrad`: core's
 * `valueAndGrad` is the one public switch that forces it, so we route through it with a
 * throwaway scalar. `fn` must return host values (tensors made here are disposed).
 */
export function withGrad<T>(fn: () => T): T {
  let out: T | undefined;
  tidy(() => {
    valueAndGrad((dummy: Tensor) => {
      out = fn();
      return dummy.mul(0);
    })(zeros([]));
  });
  return out as T;
}

export interface LossGradient {
  /** d objective / d x for each row, flattened row after row. */
  grad: Float64Array;
  /** The logits at the evaluated rows, [rows * classes]. */
  logits: Float64Array;
  /** The objective per row. */
  loss: Float64Array;
}

/**
 * The attack objective and its input gradient at `packed` rows (row r belongs to example
 * indices[r]; a forward and a backward pass each, counted on the state). Rows are independent,
 * so one backward of the summed objective gives every row's own gradient.
 */
export function lossGradient(state: AttackState, forward: ForwardFn, indices: readonly number[], packed: ArrayLike<number>, loss: AttackLoss): LossGradient {
  const goal = Int32Array.from(indices, (i) => state.goal(i));
  const labels = Int32Array.from(indices, (i) => state.labels[i]);
  const out = withGrad(() =>
    tidy(() => {
      const leaf = state.tensorOf(packed, indices.length).requireGrad();
      const logits = forward(leaf);
      state.setClasses(logits.shape[1]);
      const obj = attackObjective(logits, goal, state.targeted, loss, labels);
      const total = obj.sum();
      const grad = total.requiresGrad ? gradients(total, [leaf])[0].dataSync() : new Float64Array(leaf.size);
      return { grad: Float64Array.from(grad), logits: Float64Array.from(logits.dataSync()), loss: Float64Array.from(obj.dataSync()) };
    }),
  );
  for (const i of indices) {
    state.forwardCount[i]++;
    state.gradCount[i]++;
  }
  return out;
}
