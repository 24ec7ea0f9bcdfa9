import { ValueError, noGrad, tidy, type Generator, type Tensor } from '@kwta/core';
import type { Attack, AttackResult, Labels, RunOptions } from '../attack.js';
import { argmaxRows, forwardOf, type Classifier, type ForwardFn } from '../classifier.js';
import { lossGradient } from '../gradient.js';
import { checkIterative, runIterative } from '../iterative.js';
import { AttackState } from '../state.js';
import { checkThreat, type Norm, type ThreatModel } from '../threat.js';

/** How many noise samples step t uses: initial * 2^floor(t / doubleEvery), capped at max. */
export interface SampleSchedule {
  initial: number;
  max: number;
  doubleEvery: number;
}

export interface EstimatedGradientConfig {
  eps: number;
  norm?: Norm;
  /** Default 100. */
  steps?: number;
  /** Default eps / 4: the estimate is of a loss smoothed at scale ~eps/2, so steps can be coarse. */
  stepSize?: number;
  restarts?: number;
  randomStart?: boolean;
  /** Std of the Gaussian neighbourhood, as a fraction of eps (default 0.5). */
  sigmaFraction?: number;
  /** Default { initial: 16, max: 256, doubleEvery: 25 }. */
  samples?: SampleSchedule;
  /**
   * 'finite-difference' (default): antithetic difference quotients of the margin loss, forward
   * passes only, blind to whatever the backward pass says. 'gradient-average': the mean of true
   * gradients at the same antithetic neighbours (EOT over Gaussian noise).
   */
  estimator?: 'finite-difference' | 'gradient-average';
  /** Rows per forward batch when sampling (memory bound). Default 8192. */
  maxBatchRows?: number;
  bounds?: readonly [number, number];
}

export function samplesAt(s: SampleSchedule, step: number): number {
  return Math.min(s.max, s.initial * 2 ** Math.floor(step / s.doubleEvery));
}

/**
 * The adaptive attack Tramèr, Carlini, Brendel and Madry (2020) used against k-WTA: k-WTA's
 * gradient is exact but useless (the function jumps between linear pieces much smaller than
 * eps), so estimate the gradient of the *smoothed* margin loss E_u[L(x + sigma u)] instead, by
 * antithetic Gaussian sampling around the current point, and follow its sign in PGD. Early steps
 * use few samples (a rough direction suffices far from the boundary); the count grows so the
 * last steps near the boundary are precise.
 */
export class EstimatedGradientPGD implements Attack {
  readonly kind = 'adaptive' as const;
  readonly name: string;
  readonly threat: ThreatModel;
  readonly cfg: Required<Omit<EstimatedGradientConfig, 'eps' | 'norm' | 'bounds'>>;

  constructor(config: EstimatedGradientConfig) {
    this.threat = { eps: config.eps, norm: config.norm ?? 'linf', bounds: config.bounds ?? [0, 1] };
    checkThreat('EstimatedGradientPGD', this.threat);
    const steps = config.steps ?? 100;
    this.cfg = {
      steps,
      stepSize: config.stepSize ?? config.eps / 4,
      restarts: config.restarts ?? 1,
      randomStart: config.randomStart ?? false,
      sigmaFraction: config.sigmaFraction ?? 0.5,
      samples: config.samples ?? { initial: 16, max: 256, doubleEvery: 25 },
      estimator: config.estimator ?? 'finite-difference',
      maxBatchRows: config.maxBatchRows ?? 8192,
    };
    checkIterative('EstimatedGradientPGD', this.cfg);
    const s = this.cfg.samples;
    if (!Number.isInteger(s.initial) || s.initial < 1 || !Number.isInteger(s.max) || s.max < s.initial || !(s.doubleEvery >= 1)) {
      throw new ValueError(`EstimatedGradientPGD: samples needs integers 1 <= initial <= max and doubleEvery >= 1, got ${JSON.stringify(s)}`);
    }
    if (!(this.cfg.sigmaFraction > 0)) throw new ValueError(`EstimatedGradientPGD: sigmaFraction must be > 0, got ${this.cfg.sigmaFraction}`);
    if (this.cfg.estimator !== 'finite-difference' && this.cfg.estimator !== 'gradient-average') {
      throw new ValueError(`EstimatedGradientPGD: estimator must be 'finite-difference' or 'gradient-average', got '${String(this.cfg.estimator)}'`);
    }
    this.name = `EstimatedGradientPGD(${this.threat.norm}, eps=${this.threat.eps}, ${steps} steps, ${this.cfg.estimator})`;
  }

  get eps(): number {
    return this.threat.eps;
  }

  get norm(): Norm {
    return this.threat.norm;
  }

  private with(c: Partial<EstimatedGradientConfig>): EstimatedGradientPGD {
    return new EstimatedGradientPGD({ ...this.cfg, ...this.threat, ...c });
  }

  withEps(eps: number): Attack {
    const scale = this.threat.eps > 0 ? eps / this.threat.eps : 0;
    return this.with({ eps, stepSize: this.threat.eps > 0 ? this.cfg.stepSize * scale : eps / 4 });
  }

  stronger(): Attack {
    const s = this.cfg.samples;
    return this.with({ steps: this.cfg.steps * 2, samples: { ...s, max: s.max * 2, doubleEvery: s.doubleEvery * 2 } });
  }

  run(model: Classifier, x: Tensor, y: Labels, opts: RunOptions = {}): AttackResult {
    const gen = opts.gen;
    if (!gen) throw new ValueError('EstimatedGradientPGD: needs a Generator for its noise samples (pass { gen })');
    const forward = forwardOf(model);
    const state = new AttackState('EstimatedGradientPGD', x, y, opts.targets, this.threat);
    state.markCleanSuccesses(forward);
    runIterative(
      state,
      forward,
      (indices, cur, step) => this.estimate(state, forward, indices, cur, samplesAt(this.cfg.samples, step), gen),
      { ...this.cfg, threat: this.threat, momentum: null },
      gen,
    );
    return state.finish(forward);
  }

  /** The antithetic estimate for every active row, plus the predictions at the rows themselves. */
  private estimate(state: AttackState, forward: ForwardFn, indices: readonly number[], cur: Float32Array | Float64Array, n: number, gen: Generator) {
    const len = state.rowLen;
    const m = indices.length;
    const sigma = this.cfg.sigmaFraction * this.threat.eps;
    const [lo, hi] = this.threat.bounds;
    const grad = new Float64Array(m * len);
    const center = tidy(() => noGrad(() => forward(state.rows(indices, cur)).dataSync()));
    const classes = center.length / m;
    state.setClasses(classes);
    for (const i of indices) state.forwardCount[i]++;
    // eps = 0: nothing to estimate (and the step is 0 anyway).
    if (sigma === 0) return { grad, preds: argmaxRows(center, m, classes) };
    // Samples in groups so one forward batch holds at most maxBatchRows rows.
    const perGroup = Math.max(1, Math.floor(this.cfg.maxBatchRows / (2 * m)));
    for (let done = 0; done < n; done += perGroup) {
      const g = Math.min(perGroup, n - done);
      const noise = new Float64Array(g * m * len);
      for (let k = 0; k < noise.length; k++) noise[k] = gen.normal();
      // Rows: for each sample s and active row r, x + sigma u and x - sigma u, clipped to bounds.
      const pts = new Float64Array(2 * g * m * len);
      const order: number[] = [];
      for (let s = 0; s < g; s++) {
        for (let r = 0; r < m; r++) {
          for (let sign = 0; sign < 2; sign++) {
            const row = (s * m + r) * 2 + sign;
            for (let j = 0; j < len; j++) {
              const v = cur[indices[r] * len + j] + (sign === 0 ? sigma : -sigma) * noise[(s * m + r) * len + j];
              pts[row * len + j] = Math.min(hi, Math.max(lo, v));
            }
            order.push(indices[r]);
          }
        }
      }
      if (this.cfg.estimator === 'finite-difference') {
        const loss = this.marginLosses(state, forward, order, pts);
        for (let s = 0; s < g; s++) {
          for (let r = 0; r < m; r++) {
            const row = (s * m + r) * 2;
            const w = (loss[row] - loss[row + 1]) / (2 * sigma * n);
            for (let j = 0; j < len; j++) grad[r * len + j] += w * noise[(s * m + r) * len + j];
          }
        }
      } else {
        const lg = lossGradient(state, forward, order, pts, 'margin');
        for (let row = 0; row < order.length; row++) {
          const r = (row >> 1) % m;
          for (let j = 0; j < len; j++) grad[r * len + j] += lg.grad[row * len + j] / (2 * n);
        }
      }
    }
    return { grad, preds: argmaxRows(center, m, classes) };
  }

  /** Margin objective (the attacker's, > 0 means success) for each row of pts, forward only. */
  private marginLosses(state: AttackState, forward: ForwardFn, order: number[], pts: Float64Array): Float64Array {
    const logits = tidy(() => noGrad(() => forward(state.tensorOf(pts, order.length)).dataSync()));
    for (const i of order) state.forwardCount[i]++;
    const c = logits.length / order.length;
    return Float64Array.from(order, (i, row) => {
      const goal = state.goal(i);
      let other = -Infinity;
      for (let k = 0; k < c; k++) if (k !== goal) other = Math.max(other, logits[row * c + k]);
      const zGoal = logits[row * c + goal];
      return state.targeted ? zGoal - other : other - zGoal;
    });
  }
}
