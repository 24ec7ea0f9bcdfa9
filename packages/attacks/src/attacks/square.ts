import { ValueError, type Generator } from '@kwta/core';
import type { Attack } from '../attack.js';
import { BaseAttack, type ThreatOptions } from '../base.js';
import { projectRow } from '../blocks/project.js';
import type { ForwardFn } from '../classifier.js';
import type { Row } from '../iterative.js';
import type { AttackState } from '../state.js';
import { marginLosses } from './estimated-gradient.js';
import { l2Proposal, l2Start } from './square-l2.js';

export interface SquareConfig extends ThreatOptions {
  /** Queries per example, counting the initial one (default 5000, AutoAttack's budget). */
  queries?: number;
  /** Initial fraction of the pixels a square covers (default 0.8, AutoAttack's). */
  pInit?: number;
  /**
   * Stretch the square-size schedule (written for 10,000 queries) over `queries` (default false:
   * AutoAttack runs the schedule by query number, so small budgets keep large squares).
   */
  rescaleSchedule?: boolean;
  name?: string;
}

/** The paper's piecewise-constant schedule of the square size: p halves at queries 10, 50, 200, 500, 1000, 2000, 4000, 6000, 8000. */
export function squareFraction(pInit: number, it: number, budget: number, rescale = true): number {
  const i = rescale ? Math.floor((it / budget) * 10000) : it;
  let p = pInit;
  for (const c of [10, 50, 200, 500, 1000, 2000, 4000, 6000, 8000]) if (i > c) p /= 2;
  return p;
}

/** The layout squares live in: [C, H, W] for images, [1, 1, D] for flat features. */
export function squareLayout(shape: readonly number[]): [number, number, number] {
  if (shape.length === 4) return [shape[1], shape[2], shape[3]];
  if (shape.length === 3) return [1, shape[1], shape[2]];
  return [1, 1, shape.slice(1).reduce((a, b) => a * b, 1)];
}

/**
 * Square attack (Andriushchenko et al. 2020), L-inf and L2: gradient-free random search on the
 * margin loss. Each query changes one random square window of the perturbation (L-inf: the
 * window is set to +-eps per channel; L2: mass is moved between two windows along the paper's
 * centred pattern, keeping the norm at eps) and keeps the change if the margin drops. Queries
 * only, so gradient masking cannot hide anything from it. Each example draws its windows and
 * signs from its own random stream.
 */
export class SquareAttack extends BaseAttack<SquareConfig> {
  readonly kind = 'gradient-free' as const;
  readonly name: string;
  readonly queries: number;
  readonly pInit: number;
  readonly rescaleSchedule: boolean;

  constructor(config: SquareConfig) {
    super('SquareAttack', config, { norms: ['linf', 'l2'] });
    this.queries = config.queries ?? 5000;
    this.pInit = config.pInit ?? 0.8;
    this.rescaleSchedule = config.rescaleSchedule ?? false;
    if (!Number.isInteger(this.queries) || this.queries < 1) throw new ValueError(`SquareAttack: queries must be an integer >= 1, got ${this.queries}`);
    if (!(this.pInit > 0 && this.pInit <= 1)) throw new ValueError(`SquareAttack: pInit must be in (0, 1], got ${this.pInit}`);
    this.name = config.name ?? `Square(${this.threat.norm}, eps=${this.threat.eps}, ${this.queries} queries)`;
  }

  protected make(c: SquareConfig): Attack {
    return new SquareAttack(c);
  }

  protected override usesRandomness(): boolean {
    return true;
  }

  /** The same attack with a larger query budget (the masking checks' "a stronger attack is not weaker"). */
  stronger(): Attack {
    return this.make({ ...this.options, queries: this.queries * 2, name: undefined });
  }

  protected perturb(state: AttackState, forward: ForwardFn): void {
    const layout = squareLayout(state.shape);
    const len = state.rowLen;
    const cur = state.x.slice();
    let active = state.active();
    for (const i of active) this.start(state, cur, i, layout, state.rowGen(i));
    const best = new Float64Array(state.n);
    let margins = this.margins(state, forward, active, cur);
    active = active.filter((i, r) => {
      best[i] = margins[r];
      if (margins[r] >= 0) return true;
      state.success[i] = true;
      state.setAdvRow(i, cur, i);
      return false;
    });
    const cand = cur.slice();
    for (let q = 0; q + 1 < this.queries && active.length > 0; q++) {
      const p = squareFraction(this.pInit, q, this.queries, this.rescaleSchedule);
      for (const i of active) this.propose(state, cur, cand, i, layout, p, state.rowGen(i));
      margins = this.margins(state, forward, active, cand);
      const still: number[] = [];
      active.forEach((i, r) => {
        const off = i * len;
        // Keep a candidate that lowers the margin (or already fools the model).
        if (margins[r] < best[i]) {
          best[i] = margins[r];
          for (let j = 0; j < len; j++) cur[off + j] = cand[off + j];
        }
        if (best[i] < 0) {
          state.success[i] = true;
          state.setAdvRow(i, cur, i);
        } else still.push(i);
      });
      active = still;
      state.reportStep({ unit: 'query', step: q + 2, steps: this.queries, active: active.length, n: state.n });
    }
    for (const i of active) state.setAdvRow(i, cur, i);
  }

  /** The first query: vertical stripes of +-eps (L-inf) or the L2 tiling of centred patterns. */
  private start(state: AttackState, cur: Row, i: number, [ch, h, w]: [number, number, number], gen: Generator): void {
    const off = i * state.rowLen;
    const eps = this.threat.eps;
    if (this.threat.norm === 'l2') {
      const delta = l2Start(ch, h, w, eps, gen);
      for (let j = 0; j < state.rowLen; j++) cur[off + j] = state.x[off + j] + delta[j];
    } else {
      for (let c = 0; c < ch; c++) {
        for (let col = 0; col < w; col++) {
          const s = gen.uniform() < 0.5 ? -eps : eps;
          for (let row = 0; row < h; row++) cur[off + (c * h + row) * w + col] = state.x[off + (c * h + row) * w + col] + s;
        }
      }
    }
    projectRow(cur, state.x, i, state.rowLen, this.threat);
  }

  /** cand row i := cur row i with one random window changed (side from the fraction p). */
  private propose(state: AttackState, cur: Row, cand: Row, i: number, [ch, h, w]: [number, number, number], p: number, gen: Generator): void {
    const len = state.rowLen;
    const off = i * len;
    for (let j = 0; j < len; j++) cand[off + j] = cur[off + j];
    const eps = this.threat.eps;
    if (this.threat.norm === 'l2') {
      const delta = Float64Array.from({ length: len }, (_, j) => cur[off + j] - state.x[off + j]);
      l2Proposal(delta, ch, h, w, p, eps, gen);
      for (let j = 0; j < len; j++) cand[off + j] = state.x[off + j] + delta[j];
    } else {
      const side = Math.max(1, Math.round(Math.sqrt(p * h * w)));
      const sh = Math.min(side, h);
      const sw = Math.min(h === 1 ? Math.max(1, Math.round(p * w)) : side, w);
      const top = gen.int(h - sh + 1);
      const left = gen.int(w - sw + 1);
      for (let c = 0; c < ch; c++) {
        const s = gen.uniform() < 0.5 ? -eps : eps;
        for (let r = top; r < top + sh; r++) for (let col = left; col < left + sw; col++) cand[off + (c * h + r) * w + col] = state.x[off + (c * h + r) * w + col] + s;
      }
    }
    projectRow(cand, state.x, i, len, this.threat);
  }

  /** The margin to minimise (negative means success), one query per row. */
  private margins(state: AttackState, forward: ForwardFn, indices: number[], src: Row): Float64Array {
    const m = marginLosses(state, indices, state.logitsAt(forward, indices, src));
    for (let r = 0; r < m.length; r++) m[r] = -m[r];
    return m;
  }
}
