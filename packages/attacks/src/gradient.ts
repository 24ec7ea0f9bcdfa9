import { enableGrad, gradients, mul, oneHot, sub, sum, tensor } from '@kwta/core';
import { predsFromLogits } from './classifier.js';
import type { ForwardFn } from './classifier.js';
import type { Oracle, Row } from './iterative.js';
import { attackObjective } from './losses.js';
import type { PackedRows } from './memory.js';
import type { AttackState, Objective } from './state.js';

/** What {@link lossGradient} returns: the objective's gradient and the logits, row after row. */
export interface LossGradient {
  /** d objective / d x for each row, flattened row after row. */
  grad: Float64Array;
  /** The logits at the evaluated rows, [rows * classes]. */
  logits: Float64Array;
  /** The objective per row. */
  loss: Float64Array;
}

/**
 * The objective and its input gradient at `packed` rows (row r belongs to example indices[r]; a
 * forward and a backward pass each, counted on the state), in chunks under the state's memory
 * budget. Rows are independent, so one backward of the summed objective gives every row's own
 * gradient. Gradient recording is switched on even inside a caller's noGrad.
 */
export function lossGradient(state: AttackState, forward: ForwardFn, indices: readonly number[], packed: PackedRows, objective: Objective): LossGradient {
  const len = state.rowLen;
  const out: LossGradient = { grad: new Float64Array(indices.length * len), logits: new Float64Array(0), loss: new Float64Array(indices.length) };
  state.calls.inChunks(forward, `gradient:${objective.loss}`, indices, packed, (idx, p, r0) => {
    const part = gradientRows(state, forward, idx, p, objective);
    if (r0 < 0) return;
    if (r0 === 0) out.logits = new Float64Array(indices.length * state.classes);
    out.grad.set(part.grad, r0 * len);
    out.logits.set(part.logits, r0 * state.classes);
    out.loss.set(part.loss, r0);
  });
  for (const i of indices) {
    state.forwardCount[i]++;
    state.gradCount[i]++;
  }
  return out;
}

/** lossGradient on rows that fit in one call (nothing counted); inside the caller's tidy. */
function gradientRows(state: AttackState, forward: ForwardFn, indices: readonly number[], packed: PackedRows, objective: Objective): LossGradient {
  const goal = Int32Array.from(indices, objective.goal);
  const labels = Int32Array.from(indices, (i) => state.labels[i]);
  return enableGrad(() => {
    const leaf = state.tensorOf(packed, indices.length).requireGrad();
    const logits = forward(leaf);
    const host = state.readLogits(logits, indices);
    const obj = attackObjective(logits, goal, objective.targeted, objective.loss, labels);
    const total = obj.sum();
    const grad = total.requiresGrad ? Float64Array.from(gradients(total, [leaf])[0].dataSync()) : new Float64Array(leaf.size);
    return { grad, logits: host, loss: Float64Array.from(obj.dataSync()) };
  });
}

/** Options of {@link gradientOracle}: a surrogate model for the gradients, and EOT averaging. */
export interface OracleOptions {
  /** Take gradients from this model instead (BPDA); predictions still come from the attacked one. */
  surrogate?: ForwardFn;
  /** Average the gradient over this many evaluations (EOT for randomised models; default 1). */
  eot?: number;
}

/**
 * The white-box oracle: the objective's gradient (averaged over `eot` evaluations, whose last
 * one gives the objective and logits, as AutoAttack does) and the attacked model's predictions.
 */
export function gradientOracle(state: AttackState, forward: ForwardFn, objective: Objective, opts: OracleOptions = {}): Oracle {
  const eot = opts.eot ?? 1;
  const gradModel = opts.surrogate ?? forward;
  return (indices: readonly number[], cur: Row) => {
    const packed = state.pack(indices, cur);
    let lg = lossGradient(state, gradModel, indices, packed, objective);
    const grad = lg.grad;
    for (let e = 1; e < eot; e++) {
      lg = lossGradient(state, gradModel, indices, packed, objective);
      for (let k = 0; k < grad.length; k++) grad[k] += lg.grad[k];
    }
    if (eot > 1) for (let k = 0; k < grad.length; k++) grad[k] /= eot;
    // Surrogate logits may differ from the model's: then the model is asked.
    const preds = opts.surrogate ? state.predict(forward, indices, cur) : predsFromLogits(lg.logits, indices.length);
    return { grad, loss: lg.loss, preds };
  };
}

/**
 * Logits at packed rows and, for each j < count, the gradients d(z_k - z_y)/dx with k = other(i, j)
 * per example (y its label; k = y gives a zero row): one forward and `count` backwards through a
 * retained graph, in chunks under the state's memory budget. DeepFool and FAB linearise the
 * model's class differences with it.
 */
export function marginGradients(state: AttackState, forward: ForwardFn, indices: readonly number[], packed: PackedRows, other: (i: number, j: number) => number, count: number): { logits: Float64Array; grads: Float64Array[] } {
  const len = state.rowLen;
  const out = { logits: new Float64Array(0), grads: Array.from({ length: count }, () => new Float64Array(indices.length * len)) };
  state.calls.inChunks(forward, `margins:${count}`, indices, packed, (idx, p, r0) => {
    const part = marginRows(state, forward, idx, p, other, count);
    if (r0 < 0) return;
    if (r0 === 0) out.logits = new Float64Array(indices.length * state.classes);
    out.logits.set(part.logits, r0 * state.classes);
    part.grads.forEach((g, j) => out.grads[j].set(g, r0 * len));
  });
  for (const i of indices) {
    state.forwardCount[i]++;
    state.gradCount[i] += count;
  }
  return out;
}

/** marginGradients on rows that fit in one call (nothing counted); inside the caller's tidy. */
function marginRows(state: AttackState, forward: ForwardFn, indices: readonly number[], packed: PackedRows, other: (i: number, j: number) => number, count: number): { logits: Float64Array; grads: Float64Array[] } {
  return enableGrad(() => {
    const leaf = state.tensorOf(packed, indices.length).requireGrad();
    const logits = forward(leaf);
    const host = state.readLogits(logits, indices);
    const classes = logits.shape[1];
    const dtype = logits.dtype as 'float32' | 'float64';
    const yHot = oneHot(tensor(Int32Array.from(indices, (i) => state.labels[i]), [indices.length], 'int32'), classes, dtype);
    const grads: Float64Array[] = [];
    for (let j = 0; j < count; j++) {
      if (!logits.requiresGrad) {
        grads.push(new Float64Array(leaf.size));
        continue;
      }
      const kHot = oneHot(tensor(Int32Array.from(indices, (i) => other(i, j)), [indices.length], 'int32'), classes, dtype);
      const diff = sum(mul(logits, sub(kHot, yHot)));
      grads.push(Float64Array.from(gradients(diff, [leaf], { retainGraph: j + 1 < count })[0].dataSync()));
    }
    return { logits: host, grads };
  });
}
