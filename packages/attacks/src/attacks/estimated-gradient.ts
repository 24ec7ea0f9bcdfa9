import { ValueError, type Generator } from '@kwta/core';
import type { Attack } from '../attack.js';
import { BaseAttack, type ThreatOptions } from '../base.js';
import { predsFromLogits, type ForwardFn } from '../classifier.js';
import { lossGradient } from '../gradient.js';
import { checkIterative, runIterative, type Evaluation, type Row } from '../iterative.js';
import { fixedStep } from '../rules/fixed.js';
import type { AttackState } from '../state.js';
import { checkSampleSchedule, samplesAt, type SampleSchedule } from './sample-schedule.js';

export { samplesAt, type SampleSchedule } from './sample-schedule.js';

export interface EstimatedGradientConfig extends ThreatOptions {
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
  name?: string;
}

type Resolved = Required<Omit<EstimatedGradientConfig, 'eps' | 'norm' | 'bounds' | 'name'>>;

/**
 * The adaptive attack Tramèr, Carlini, Brendel and Madry (2020) used against k-WTA: k-WTA's
 * gradient is exact but useless (the function jumps between linear pieces much smaller than
 * eps), so estimate the gradient of the *smoothed* margin loss E_u[L(x + sigma u)] instead, by
 * antithetic Gaussian sampling around the current point, and follow its sign in PGD. Early steps
 * use few samples (a rough direction suffices far from the boundary); the count grows so the
 * last steps near the boundary are precise.
 */
export class EstimatedGradientPGD extends BaseAttack<EstimatedGradientConfig> {
  readonly kind = 'adaptive' as const;
  readonly name: string;
  readonly cfg: Resolved;

  constructor(config: EstimatedGradientConfig) {
    super('EstimatedGradientPGD', config);
    const steps = config.steps ?? 100;
    this.cfg = {
      steps,
      stepSize: config.stepSize ?? config.eps / 4,
      restarts: config.restarts ?? 1,
      randomStart: config.randomStart ?? false,
      sigmaFraction: config.sigmaFraction ?? 0.5,
      samples: config.samples ?? { initial: 16, max: 256, doubleEvery: 25 },
      estimator: config.estimator ?? 'finite-difference',
    };
    checkIterative('EstimatedGradientPGD', this.cfg);
    checkSampleSchedule('EstimatedGradientPGD', this.cfg.samples);
    if (!(this.cfg.sigmaFraction > 0)) throw new ValueError(`EstimatedGradientPGD: sigmaFraction must be > 0, got ${this.cfg.sigmaFraction}`);
    if (this.cfg.estimator !== 'finite-difference' && this.cfg.estimator !== 'gradient-average') {
      throw new ValueError(`EstimatedGradientPGD: estimator must be 'finite-difference' or 'gradient-average', got '${String(this.cfg.estimator)}'`);
    }
    this.name = config.name ?? `EstimatedGradientPGD(${this.threat.norm}, eps=${this.threat.eps}, ${steps} steps, ${this.cfg.estimator})`;
  }

  protected make(c: EstimatedGradientConfig): Attack {
    return new EstimatedGradientPGD(c);
  }

  protected override epsScaled(): (keyof EstimatedGradientConfig)[] {
    return ['stepSize'];
  }

  protected override usesRandomness(): boolean {
    return true;
  }

  /** The same attack with a larger budget (the masking checks' "a stronger attack is not weaker"). */
  stronger(): Attack {
    const s = this.cfg.samples;
    const samples: SampleSchedule = 'stages' in s ? { stages: s.stages.map((g) => ({ from: g.from * 2, samples: g.samples * 2 })) } : { ...s, max: s.max * 2, doubleEvery: s.doubleEvery * 2 };
    return this.make({ ...this.options, steps: this.cfg.steps * 2, samples, name: undefined });
  }

  protected perturb(state: AttackState, forward: ForwardFn): void {
    const c = this.cfg;
    const oracle = (indices: readonly number[], cur: Row, step: number) => this.estimate(state, forward, indices, cur, samplesAt(c.samples, step));
    const rule = fixedStep(state, this.threat, { stepSize: c.stepSize });
    runIterative(state, forward, oracle, rule, { threat: this.threat, steps: c.steps, restarts: c.restarts, start: c.randomStart ? 'uniform' : 'none' });
  }

  /** The antithetic estimate for every active row, plus the margin and predictions at the rows themselves. */
  private estimate(state: AttackState, forward: ForwardFn, indices: readonly number[], cur: Row, n: number): Evaluation {
    const len = state.rowLen;
    const m = indices.length;
    const sigma = this.cfg.sigmaFraction * this.threat.eps;
    const [lo, hi] = this.threat.bounds;
    const grad = new Float64Array(m * len);
    const center = state.logitsAt(forward, indices, cur);
    const loss = marginLosses(state, indices, center);
    const preds = predsFromLogits(center, m);
    // Samples in groups of at most the rows one forward may take under the memory budget (the
    // host arrays stay as small; a group of one sample still too large is chunked by the state).
    const perGroup = Math.max(1, Math.floor(state.rowsPerForward(forward, indices[0], cur) / (2 * m)));
    const gens: Generator[] = indices.map((i) => state.rowGen(i));
    for (let done = 0; done < n; done += perGroup) {
      const g = Math.min(perGroup, n - done);
      // Each row's noise comes from its own stream, so a row's estimate does not depend on its batch.
      const noise = new Float64Array(g * m * len);
      for (let r = 0; r < m; r++) for (let s = 0; s < g; s++) for (let j = 0; j < len; j++) noise[(s * m + r) * len + j] = gens[r].normal();
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
        const l = marginLosses(state, order, state.logitsOfPacked(forward, order, pts));
        for (let s = 0; s < g; s++) {
          for (let r = 0; r < m; r++) {
            const row = (s * m + r) * 2;
            const w = (l[row] - l[row + 1]) / (2 * sigma * n);
            for (let j = 0; j < len; j++) grad[r * len + j] += w * noise[(s * m + r) * len + j];
          }
        }
      } else {
        const lg = lossGradient(state, forward, order, pts, state.objective('margin'));
        for (let row = 0; row < order.length; row++) {
          const r = (row >> 1) % m;
          for (let j = 0; j < len; j++) grad[r * len + j] += lg.grad[row * len + j] / (2 * n);
        }
      }
    }
    return { grad, loss, preds };
  }
}

/** The attacker's margin objective per row (> 0 means success) from host logits [rows * classes]. */
export function marginLosses(state: AttackState, order: readonly number[], logits: Float64Array): Float64Array {
  const c = logits.length / Math.max(1, order.length);
  return Float64Array.from(order, (i, row) => {
    const goal = state.goal(i);
    let other = -Infinity;
    for (let k = 0; k < c; k++) if (k !== goal) other = Math.max(other, logits[row * c + k]);
    const zGoal = logits[row * c + goal];
    return state.targeted ? zGoal - other : other - zGoal;
  });
}
