import { ValueError } from '@kwta/core';
import type { Attack } from '../attack.js';
import { BaseAttack, type ThreatOptions } from '../base.js';
import { projectRow } from '../blocks/project.js';
import type { ForwardFn } from '../classifier.js';
import { marginGradients } from '../gradient.js';
import type { AttackState } from '../state.js';

/** Options of DeepFool (steps, candidate classes, overshoot). */
export interface DeepFoolConfig extends Partial<ThreatOptions> {
  /** Radius the result is clipped into (Infinity: the raw minimal perturbation). */
  eps?: number;
  /** Default 20 (the paper). */
  steps?: number;
  /** Classes considered: the top `candidates` by clean logit (default 10, the paper's 10 sub-samples). */
  candidates?: number;
  /** Default 0.02 (Moosavi-Dezfooli et al. 2016). */
  overshoot?: number;
}

/**
 * DeepFool (Moosavi-Dezfooli et al. 2016): linearise the model around the current point, step
 * to the nearest linearised decision boundary among the candidate classes (distance
 * |f_k| / ||w_k||_q with q the dual norm: L1 for L-inf, L2 for L2), repeat until the label
 * flips, then overshoot by (1 + overshoot). Untargeted only. The result is clipped into the
 * threat set and re-checked.
 */
export class DeepFool extends BaseAttack<DeepFoolConfig & ThreatOptions> {
  readonly kind = 'white-box' as const;
  readonly name: string;
  readonly steps: number;
  readonly candidates: number;
  readonly overshoot: number;

  constructor(config: DeepFoolConfig = {}) {
    super('DeepFool', { ...config, eps: config.eps ?? Infinity }, { allowInfinite: true, norms: ['linf', 'l2'] });
    this.steps = config.steps ?? 20;
    this.candidates = config.candidates ?? 10;
    this.overshoot = config.overshoot ?? 0.02;
    if (!Number.isInteger(this.steps) || this.steps < 1) throw new ValueError(`DeepFool: steps must be an integer >= 1, got ${this.steps}`);
    if (!Number.isInteger(this.candidates) || this.candidates < 2) throw new ValueError(`DeepFool: candidates must be an integer >= 2, got ${this.candidates}`);
    if (!(this.overshoot >= 0)) throw new ValueError(`DeepFool: overshoot must be >= 0, got ${this.overshoot}`);
    this.name = `DeepFool(${this.threat.norm}, eps=${this.threat.eps}, ${this.steps} steps)`;
  }

  override get supportsTargets(): boolean {
    return false;
  }

  protected make(c: DeepFoolConfig): Attack {
    return new DeepFool(c);
  }

  /** The same attack with a larger budget (the masking checks' "a stronger attack is not weaker"). */
  stronger(): Attack {
    return new DeepFool({ ...this.options, steps: this.steps * 2 });
  }

  protected perturb(state: AttackState, forward: ForwardFn): void {
    const len = state.rowLen;
    const [lo, hi] = this.threat.bounds;
    const total = new Float64Array(state.n * len); // accumulated perturbation r_tot per row
    const cur = state.x.slice();
    let active = state.active();
    const cand = this.pickCandidates(state, active);
    for (let step = 0; step < this.steps && active.length > 0; step++) {
      const ranks = Math.max(...active.map((i) => cand.get(i)!.length));
      // Rows with fewer candidates repeat their label: a zero difference, ignored below.
      const { logits, grads } = marginGradients(state, forward, active, state.pack(active, cur), (i, j) => cand.get(i)![j] ?? state.labels[i], ranks);
      const classes = state.classes;
      const still: number[] = [];
      active.forEach((i, r) => {
        const yi = state.labels[i];
        let pred = 0;
        for (let c = 1; c < classes; c++) if (logits[r * classes + c] > logits[r * classes + pred]) pred = c;
        if (pred !== yi) return;
        still.push(i);
        const cs = cand.get(i)!;
        let bestDist = Infinity;
        let bestJ = -1;
        cs.forEach((c, j) => {
          const f = Math.abs(logits[r * classes + c] - logits[r * classes + yi]);
          const g = grads[j].subarray(r * len, (r + 1) * len);
          let q = 0;
          for (const v of g) q += this.threat.norm === 'linf' ? Math.abs(v) : v * v;
          q = this.threat.norm === 'linf' ? q : Math.sqrt(q);
          const d = q > 0 ? f / q : Infinity;
          if (d < bestDist) {
            bestDist = d;
            bestJ = j;
          }
        });
        if (bestJ < 0 || !Number.isFinite(bestDist)) return;
        const g = grads[bestJ].subarray(r * len, (r + 1) * len);
        let q = 0;
        for (const v of g) q += this.threat.norm === 'linf' ? Math.abs(v) : v * v;
        const f = Math.abs(logits[r * classes + cs[bestJ]] - logits[r * classes + yi]) + 1e-4;
        for (let j = 0; j < len; j++) {
          total[i * len + j] += this.threat.norm === 'linf' ? (f / q) * Math.sign(g[j]) : (f / q) * g[j];
          cur[i * len + j] = Math.min(hi, Math.max(lo, state.x[i * len + j] + (1 + this.overshoot) * total[i * len + j]));
        }
      });
      active = still;
      state.reportStep({ unit: 'step', step: step + 1, steps: this.steps, active: active.length, n: state.n });
    }
    for (let i = 0; i < state.n; i++) {
      if (state.success[i]) continue;
      state.setAdvRow(i, cur, i);
      if (Number.isFinite(this.threat.eps)) projectRow(state.adv, state.x, i, len, this.threat);
    }
  }

  /** The top classes by clean logit, other than the label, for each active row. */
  private pickCandidates(state: AttackState, active: number[]): Map<number, number[]> {
    const k = Math.min(this.candidates, state.classes);
    return new Map(active.map((i) => [i, state.classesByCleanLogit(i).slice(0, k).filter((c) => c !== state.labels[i]).slice(0, k - 1)]));
  }
}
