import { ValueError, type Generator } from '@kwta/core';
import { argmaxRows, type ForwardFn } from './classifier.js';
import type { AttackState } from './state.js';
import { ascentDirection, projectRow, type ThreatModel } from './threat.js';

/**
 * What an iterative attack needs at each step for the still-active rows: an ascent direction
 * source (true, surrogate or estimated gradient) and, when it has them for free, the true
 * model's predictions at the current point (else the loop asks the model itself).
 */
export type GradientOracle = (indices: readonly number[], cur: Float32Array | Float64Array, step: number) => { grad: Float64Array; preds: Int32Array | null };

export interface IterativeConfig {
  threat: ThreatModel;
  steps: number;
  stepSize: number;
  restarts: number;
  randomStart: boolean;
  /** MIM's decay factor mu; null for plain PGD. */
  momentum: number | null;
}

export function checkIterative(op: string, c: { steps: number; stepSize: number; restarts: number }): void {
  if (!Number.isInteger(c.steps) || c.steps < 1) throw new ValueError(`${op}: steps must be an integer >= 1, got ${c.steps}`);
  if (!Number.isInteger(c.restarts) || c.restarts < 1) throw new ValueError(`${op}: restarts must be an integer >= 1, got ${c.restarts}`);
  if (!(c.stepSize >= 0) || !Number.isFinite(c.stepSize)) throw new ValueError(`${op}: stepSize must be a finite number >= 0, got ${c.stepSize}`);
}

/** A uniformly random point of the threat set around row i (clipped into the bounds). */
function randomStartRow(state: AttackState, i: number, cur: Float32Array | Float64Array, gen: Generator): void {
  const { eps, norm } = state.threat;
  const len = state.rowLen;
  const off = i * len;
  if (norm === 'linf') {
    for (let j = 0; j < len; j++) cur[off + j] = state.x[off + j] + eps * (2 * gen.uniform() - 1);
  } else {
    // Uniform in the L2 ball: a Gaussian direction and a radius eps * u^(1/d).
    const dir = Float64Array.from({ length: len }, () => gen.normal());
    let n = 0;
    for (const v of dir) n += v * v;
    const r = (eps * gen.uniform() ** (1 / len)) / (Math.sqrt(n) || 1);
    for (let j = 0; j < len; j++) cur[off + j] = state.x[off + j] + r * dir[j];
  }
  projectRow(cur, state.x, i, len, state.threat);
}

/**
 * Projected steepest ascent with early stopping: at every step, rows whose current point
 * already fools the model are frozen there and drop out of the batch. Restarts only re-run
 * the rows still unbroken. Rows never broken keep the last iterate of the last restart.
 */
export function runIterative(state: AttackState, model: ForwardFn, oracle: GradientOracle, cfg: IterativeConfig, gen: Generator | undefined): void {
  const len = state.rowLen;
  const cur = state.x.slice();
  const dir = new Float64Array(len);
  const velocity = new Map<number, Float64Array>();
  if (cfg.randomStart && !gen && cfg.threat.eps > 0) throw new ValueError(`${state.op}: a random start needs a Generator (pass { gen })`);
  for (let restart = 0; restart < cfg.restarts; restart++) {
    let active = state.active();
    if (active.length === 0) return;
    velocity.clear();
    for (const i of active) {
      for (let j = 0; j < len; j++) cur[i * len + j] = state.x[i * len + j];
      if (cfg.randomStart && cfg.threat.eps > 0) randomStartRow(state, i, cur, gen!);
    }
    for (let step = 0; step < cfg.steps && active.length > 0; step++) {
      const { grad, preds } = oracle(active, cur, step);
      const p = preds ?? state.predict(model, active, cur);
      const still: number[] = [];
      active.forEach((i, r) => {
        if (state.isSuccess(i, p[r])) {
          state.success[i] = true;
          state.setAdvRow(i, cur, i);
          return;
        }
        still.push(i);
        let g: ArrayLike<number> = grad.subarray(r * len, (r + 1) * len);
        if (cfg.momentum !== null) {
          // MIM: accumulate L1-normalised gradients, then step along the accumulated direction.
          let l1 = 0;
          for (let j = 0; j < len; j++) l1 += Math.abs(g[j]);
          const v = velocity.get(i) ?? new Float64Array(len);
          for (let j = 0; j < len; j++) v[j] = cfg.momentum * v[j] + (l1 > 0 ? g[j] / l1 : 0);
          velocity.set(i, v);
          g = v;
        }
        ascentDirection(g, 0, len, cfg.threat.norm, dir);
        for (let j = 0; j < len; j++) cur[i * len + j] += cfg.stepSize * dir[j];
        projectRow(cur, state.x, i, len, cfg.threat);
      });
      active = still;
    }
    const p = state.predict(model, active, cur);
    active.forEach((i, r) => {
      state.setAdvRow(i, cur, i);
      if (state.isSuccess(i, p[r])) state.success[i] = true;
    });
  }
}

/** Predictions from logits an oracle already computed. */
export function predsFromLogits(logits: Float64Array, rows: number): Int32Array {
  return argmaxRows(logits, rows, logits.length / rows);
}
