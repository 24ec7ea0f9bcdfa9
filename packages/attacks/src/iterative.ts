import { ValueError } from '@kwta/core';
import { randomStartRow, type StartKind } from './blocks/start.js';
import type { ForwardFn } from './classifier.js';
import type { AttackState, FloatArray } from './state.js';
import type { ThreatModel } from './threat.js';

/** One example's values, flattened: what the step rules and projections work on. */
export type Row = FloatArray;

/** What an iterate is worth: the ascent direction source, the objective and the model's predictions per active row. */
export interface Evaluation {
  /** d objective / d x (true, surrogate or estimated), rows after one another. */
  grad: Float64Array;
  /** The objective per row (NaN where the oracle does not compute it). */
  loss: Float64Array;
  /** The attacked model's prediction per row. */
  preds: Int32Array;
}

/** Evaluate the active rows of `cur` at iteration t. */
export type Oracle = (indices: readonly number[], cur: Row, iteration: number) => Evaluation;

/**
 * How an iterative attack moves: PGD's fixed step, MIM's momentum, APGD's adaptive schedule.
 * `begin` is called when a run (a restart, a stage) starts on some rows, `advance` once per row
 * and iteration with that row's gradient and objective at iterate t; it writes iterate t + 1
 * (projected onto the threat set) into `cur`.
 */
export interface StepRule {
  /** Start a run (a restart, a stage) on the given rows; `cur` holds their start points. */
  begin(rows: readonly number[], cur: Row): void;
  /**
   * Write iterate t + 1 of row i into `cur` from its gradient and objective at iterate t (projected onto the
   * threat set).
   */
  advance(i: number, t: number, cur: Row, grad: Float64Array, loss: number): void;
}

/**
 * The loop of an iterative attack: its threat set, steps, restarts and start points, and whether it judges
 * success.
 */
export interface LoopConfig {
  /** The set the iterates live in (and are projected onto). */
  threat: ThreatModel;
  steps: number;
  restarts: number;
  /** Where each restart starts (random points come from each example's own stream). */
  start: StartKind;
  /** Write row i's start point into cur instead (APGD-L1's stages continue from the last one's best point). */
  startAt?: (i: number, cur: Row) => void;
  /** Record successes and stop broken rows early (default true); false for warm-up stages at a larger radius. */
  judge?: boolean;
  /**
   * Freeze a row at its first iterate that fools the model (default true). False: every row takes
   * all its steps and keeps its last iterate, success judged at the end (a transfer attack's
   * source examples: the loss keeps climbing past the first fooling point, which transfers better).
   */
  earlyStop?: boolean;
}

export function checkIterative(op: string, c: { steps: number; stepSize?: number; restarts: number }): void {
  if (!Number.isInteger(c.steps) || c.steps < 1) throw new ValueError(`${op}: steps must be an integer >= 1, got ${c.steps}`);
  if (!Number.isInteger(c.restarts) || c.restarts < 1) throw new ValueError(`${op}: restarts must be an integer >= 1, got ${c.restarts}`);
  if (c.stepSize !== undefined && (!(c.stepSize >= 0) || !Number.isFinite(c.stepSize))) throw new ValueError(`${op}: stepSize must be a finite number >= 0, got ${c.stepSize}`);
}

/**
 * The one iterative loop (PGD, MIM, BPDA, APGD, gradient estimation): for each restart, the rows
 * not yet broken start afresh; at every iteration the oracle evaluates them, rows whose iterate
 * already fools the model are frozen there and drop out (per-example early stopping, unless
 * `earlyStop` is false), and the step rule moves the others. After the last step the final iterate is judged by a forward.
 * Rows never broken keep the last iterate of the last restart.
 */
export function runIterative(state: AttackState, forward: ForwardFn, oracle: Oracle, rule: StepRule, cfg: LoopConfig): void {
  const judge = cfg.judge ?? true;
  const stopEarly = judge && (cfg.earlyStop ?? true);
  const cur = state.adv.slice();
  for (let restart = 0; restart < cfg.restarts && state.active().length > 0; restart++) {
    state.inLoop('restart', restart + 1, cfg.restarts, () => runOnce(state, forward, oracle, rule, cfg, cur, judge, stopEarly));
  }
}

/** One restart of runIterative's loop on the rows not yet broken; `cur` holds the iterates. */
function runOnce(state: AttackState, forward: ForwardFn, oracle: Oracle, rule: StepRule, cfg: LoopConfig, cur: Row, judge: boolean, stopEarly: boolean): void {
  const len = state.rowLen;
  let active = state.active();
  for (const i of active) {
    if (cfg.startAt) cfg.startAt(i, cur);
    else randomStartRow(cur, state.x, i, len, cfg.threat, cfg.start === 'none' ? null : state.rowGen(i), cfg.start);
  }
  rule.begin(active, cur);
  for (let t = 0; t < cfg.steps && active.length > 0; t++) {
    const ev = oracle(active, cur, t);
    const still: number[] = [];
    active.forEach((i, r) => {
      if (stopEarly && state.isSuccess(i, ev.preds[r])) {
        state.success[i] = true;
        state.setAdvRow(i, cur, i);
        return;
      }
      still.push(i);
      rule.advance(i, t, cur, ev.grad.subarray(r * len, (r + 1) * len), ev.loss[r]);
    });
    active = still;
    state.reportStep({ unit: 'step', step: t + 1, steps: cfg.steps, active: active.length, n: state.n });
  }
  if (!judge) return;
  const p = state.predict(forward, active, cur);
  active.forEach((i, r) => {
    state.setAdvRow(i, cur, i);
    if (state.isSuccess(i, p[r])) state.success[i] = true;
  });
}
