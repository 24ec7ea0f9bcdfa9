import { ValueError, gradients, mul, noGrad, oneHot, sub, sum, tensor, tidy, type Tensor } from '@kwta/core';
import type { Attack, AttackResult, Labels, RunOptions } from '../attack.js';
import { forwardOf, type Classifier, type ForwardFn } from '../classifier.js';
import { withGrad } from '../gradient.js';
import { AttackState } from '../state.js';
import { checkThreat, projectRow, type Norm, type ThreatModel } from '../threat.js';

export interface DeepFoolConfig {
  /** Radius the result is clipped into (Infinity: the raw minimal perturbation). */
  eps?: number;
  norm?: Norm;
  /** Default 20 (the paper). */
  steps?: number;
  /** Classes considered: the top `candidates` by clean logit (default 10, the paper's 10 sub-samples). */
  candidates?: number;
  /** Default 0.02 (Moosavi-Dezfooli et al. 2016). */
  overshoot?: number;
  bounds?: readonly [number, number];
}

/**
 * DeepFool (Moosavi-Dezfooli et al. 2016): linearise the model around the current point, step
 * to the nearest linearised decision boundary among the candidate classes (distance
 * |f_k| / ||w_k||_q with q the dual norm: L1 for L-inf, L2 for L2), repeat until the label
 * flips, then overshoot by (1 + overshoot). Untargeted only. The result is clipped into the
 * threat set and re-checked.
 */
export class DeepFool implements Attack {
  readonly kind = 'white-box' as const;
  readonly name: string;
  readonly threat: ThreatModel;
  readonly steps: number;
  readonly candidates: number;
  readonly overshoot: number;

  constructor(config: DeepFoolConfig = {}) {
    this.threat = { eps: config.eps ?? Infinity, norm: config.norm ?? 'linf', bounds: config.bounds ?? [0, 1] };
    checkThreat('DeepFool', this.threat, true);
    this.steps = config.steps ?? 20;
    this.candidates = config.candidates ?? 10;
    this.overshoot = config.overshoot ?? 0.02;
    if (!Number.isInteger(this.steps) || this.steps < 1) throw new ValueError(`DeepFool: steps must be an integer >= 1, got ${this.steps}`);
    if (!Number.isInteger(this.candidates) || this.candidates < 2) throw new ValueError(`DeepFool: candidates must be an integer >= 2, got ${this.candidates}`);
    if (!(this.overshoot >= 0)) throw new ValueError(`DeepFool: overshoot must be >= 0, got ${this.overshoot}`);
    this.name = `DeepFool(${this.threat.norm}, eps=${this.threat.eps}, ${this.steps} steps)`;
  }

  get eps(): number {
    return this.threat.eps;
  }

  get norm(): Norm {
    return this.threat.norm;
  }

  private cfg(): DeepFoolConfig {
    return { ...this.threat, steps: this.steps, candidates: this.candidates, overshoot: this.overshoot };
  }

  withEps(eps: number): Attack {
    return new DeepFool({ ...this.cfg(), eps });
  }

  stronger(): Attack {
    return new DeepFool({ ...this.cfg(), steps: this.steps * 2 });
  }

  run(model: Classifier, x: Tensor, y: Labels, opts: RunOptions = {}): AttackResult {
    if (opts.targets !== undefined) throw new ValueError('DeepFool: the attack is untargeted; do not pass targets');
    const forward = forwardOf(model);
    const state = new AttackState('DeepFool', x, y, undefined, this.threat);
    state.markCleanSuccesses(forward);
    const len = state.rowLen;
    const [lo, hi] = this.threat.bounds;
    const total = new Float64Array(state.n * len); // accumulated perturbation r_tot per row
    const cur = state.x.slice();
    let active = state.active();
    const cand = this.pickCandidates(state, forward, active);
    for (let step = 0; step < this.steps && active.length > 0; step++) {
      const { logits, grads, classes } = this.linearise(state, forward, active, cur, cand);
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
    }
    for (let i = 0; i < state.n; i++) {
      if (state.success[i]) continue;
      state.setAdvRow(i, cur, i);
      if (Number.isFinite(this.threat.eps)) projectRow(state.adv, state.x, i, len, this.threat);
    }
    return state.finish(forward);
  }

  /** The top classes by clean logit, other than the label, for each active row. */
  private pickCandidates(state: AttackState, forward: ForwardFn, active: number[]): Map<number, number[]> {
    const cand = new Map<number, number[]>();
    if (active.length === 0) return cand;
    const logits = tidy(() => noGrad(() => forward(state.rows(active, state.x)).dataSync()));
    const classes = logits.length / active.length;
    const k = Math.min(this.candidates, classes);
    active.forEach((i, r) => {
      state.forwardCount[i]++;
      const order = [...Array(classes).keys()].sort((a, b) => logits[r * classes + b] - logits[r * classes + a]);
      cand.set(i, order.slice(0, k).filter((c) => c !== state.labels[i]).slice(0, k - 1));
    });
    return cand;
  }

  /**
   * Logits at the current rows and d(z_k - z_y)/dx for each
   * candidate rank k: one forward and one backward per candidate through a retained graph.
   */
  private linearise(state: AttackState, forward: ForwardFn, active: number[], cur: Float32Array | Float64Array, cand: Map<number, number[]>) {
    const out = withGrad(() =>
      tidy(() => {
        const leaf = state.rows(active, cur).requireGrad();
        const logits = forward(leaf);
        const classes = logits.shape[1];
        state.setClasses(classes);
        const grads: Float64Array[] = [];
        const ranks = Math.max(...active.map((i) => cand.get(i)!.length));
        const dtype = logits.dtype as 'float32' | 'float64';
        const yHot = oneHot(tensor(Int32Array.from(active, (i) => state.labels[i]), [active.length], 'int32'), classes, dtype);
        for (let j = 0; j < ranks && logits.requiresGrad; j++) {
          // Rows with fewer candidates repeat their label: a zero difference, ignored later.
          const k = Int32Array.from(active, (i) => cand.get(i)![j] ?? state.labels[i]);
          const kHot = oneHot(tensor(k, [active.length], 'int32'), classes, dtype);
          const diff = sum(mul(logits, sub(kHot, yHot)));
          grads.push(Float64Array.from(gradients(diff, [leaf], { retainGraph: true })[0].dataSync()));
        }
        for (let j = grads.length; j < ranks; j++) grads.push(new Float64Array(leaf.size));
        return { logits: Float64Array.from(logits.dataSync()), grads, classes };
      }),
    );
    for (const i of active) {
      state.forwardCount[i]++;
      state.gradCount[i] += out.grads.length;
    }
    return out;
  }
}
