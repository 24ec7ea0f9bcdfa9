import { ValueError, noGrad, tidy, type Generator, type Tensor } from '@kwta/core';
import type { Attack, AttackResult, Labels, RunOptions } from '../attack.js';
import { forwardOf, type Classifier, type ForwardFn } from '../classifier.js';
import { AttackState } from '../state.js';
import { checkThreat, projectRow, type Norm, type ThreatModel } from '../threat.js';

export interface SquareConfig {
  eps: number;
  /** Query budget per example, counting the initial one (default 1000). */
  queries?: number;
  /** Initial fraction of pixels a square covers (default 0.05, Andriushchenko et al. for L-inf). */
  pInit?: number;
  bounds?: readonly [number, number];
}

/** The paper's piecewise-constant schedule of the square size, rescaled to the budget. */
export function squareFraction(pInit: number, it: number, budget: number): number {
  const i = Math.floor((it / budget) * 10000);
  const cuts = [10, 50, 200, 500, 1000, 2000, 4000, 6000, 8000];
  let p = pInit;
  for (const c of cuts) if (i > c) p /= 2;
  return p;
}

/** The layout squares live in: [C, H, W] for images, [1, 1, D] for flat features. */
function layoutOf(shape: readonly number[]): [number, number, number] {
  if (shape.length === 4) return [shape[1], shape[2], shape[3]];
  if (shape.length === 3) return [1, shape[1], shape[2]];
  return [1, 1, shape.slice(1).reduce((a, b) => a * b, 1)];
}

/**
 * Square attack, L-inf (Andriushchenko et al. 2020): gradient-free random search. Start from
 * vertical stripes of +-eps; each query redraws one random square window (a +-eps value per
 * channel) and keeps it if the margin loss drops. Queries only, so gradient masking cannot
 * hide anything from it.
 */
export class SquareAttack implements Attack {
  readonly kind = 'gradient-free' as const;
  readonly name: string;
  readonly threat: ThreatModel;
  readonly queries: number;
  readonly pInit: number;

  constructor(config: SquareConfig) {
    this.threat = { eps: config.eps, norm: 'linf', bounds: config.bounds ?? [0, 1] };
    checkThreat('SquareAttack', this.threat);
    this.queries = config.queries ?? 1000;
    this.pInit = config.pInit ?? 0.05;
    if (!Number.isInteger(this.queries) || this.queries < 1) throw new ValueError(`SquareAttack: queries must be an integer >= 1, got ${this.queries}`);
    if (!(this.pInit > 0 && this.pInit <= 1)) throw new ValueError(`SquareAttack: pInit must be in (0, 1], got ${this.pInit}`);
    this.name = `Square(linf, eps=${this.threat.eps}, ${this.queries} queries)`;
  }

  get eps(): number {
    return this.threat.eps;
  }

  get norm(): Norm {
    return 'linf';
  }

  withEps(eps: number): Attack {
    return new SquareAttack({ eps, queries: this.queries, pInit: this.pInit, bounds: this.threat.bounds });
  }

  stronger(): Attack {
    return new SquareAttack({ eps: this.eps, queries: this.queries * 2, pInit: this.pInit, bounds: this.threat.bounds });
  }

  run(model: Classifier, x: Tensor, y: Labels, opts: RunOptions = {}): AttackResult {
    const gen = opts.gen;
    if (!gen) throw new ValueError('SquareAttack: needs a Generator for its random search (pass { gen })');
    const forward = forwardOf(model);
    const state = new AttackState('SquareAttack', x, y, opts.targets, this.threat);
    state.markCleanSuccesses(forward);
    const [ch, h, w] = layoutOf(state.shape);
    const len = state.rowLen;
    const eps = this.threat.eps;
    const cur = state.x.slice();
    let active = state.active();
    // Initial stripes: one random sign per (channel, column), shared down the column.
    for (const i of active) {
      for (let c = 0; c < ch; c++) {
        for (let col = 0; col < w; col++) {
          const s = gen.uniform() < 0.5 ? -eps : eps;
          for (let row = 0; row < h; row++) cur[i * len + (c * h + row) * w + col] = state.x[i * len + (c * h + row) * w + col] + s;
        }
      }
      projectRow(cur, state.x, i, len, this.threat);
    }
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
    for (let it = 1; it < this.queries && active.length > 0; it++) {
      const p = squareFraction(this.pInit, it, this.queries);
      const side = Math.max(1, Math.min(h === 1 ? w : Math.min(h, w), Math.round(h === 1 ? p * w : Math.sqrt(p * h * w))));
      const sideH = h === 1 ? 1 : side;
      for (const i of active) this.proposeSquare(state, cur, cand, i, ch, h, w, sideH, side, gen);
      margins = this.margins(state, forward, active, cand);
      const still: number[] = [];
      active.forEach((i, r) => {
        const off = i * len;
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
    }
    for (const i of active) state.setAdvRow(i, cur, i);
    return state.finish(forward);
  }

  /** cand row i := cur row i with one random window set to x + (+-eps per channel). */
  private proposeSquare(state: AttackState, cur: Float32Array | Float64Array, cand: Float32Array | Float64Array, i: number, ch: number, h: number, w: number, sh: number, sw: number, gen: Generator): void {
    const len = state.rowLen;
    const off = i * len;
    for (let j = 0; j < len; j++) cand[off + j] = cur[off + j];
    const top = gen.int(h - sh + 1);
    const left = gen.int(w - sw + 1);
    for (let c = 0; c < ch; c++) {
      const s = gen.uniform() < 0.5 ? -this.threat.eps : this.threat.eps;
      for (let r = top; r < top + sh; r++) {
        for (let col = left; col < left + sw; col++) {
          const k = off + (c * h + r) * w + col;
          cand[k] = state.x[k] + s;
        }
      }
    }
    projectRow(cand, state.x, i, len, this.threat);
  }

  /**
   * The margin to minimise: z_y - max_{j != y} z_j untargeted, max_{j != t} z_j - z_t targeted;
   * negative means success. One query per row.
   */
  private margins(state: AttackState, forward: ForwardFn, indices: number[], src: Float32Array | Float64Array): Float64Array {
    if (indices.length === 0) return new Float64Array(0);
    const logits = tidy(() => noGrad(() => forward(state.rows(indices, src)).dataSync()));
    const c = logits.length / indices.length;
    state.setClasses(c);
    return Float64Array.from(indices, (i, r) => {
      state.forwardCount[i]++;
      const goal = state.goal(i);
      let other = -Infinity;
      for (let k = 0; k < c; k++) if (k !== goal) other = Math.max(other, logits[r * c + k]);
      const m = logits[r * c + goal] - other;
      return state.targeted ? -m : m;
    });
  }
}
