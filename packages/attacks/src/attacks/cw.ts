import { ValueError, add, enableGrad, gradients, maximum, mul, square, sub, sum, tanh, tensor, tidy, type Tensor } from '@kwta/core';
import type { Attack } from '../attack.js';
import { BaseAttack, type ThreatOptions } from '../base.js';
import { projectRow } from '../blocks/project.js';
import { argmaxRows, type ForwardFn } from '../classifier.js';
import { goalAndBestOther } from '../losses.js';
import type { AttackState } from '../state.js';

/** Options of the Carlini-Wagner L2 attack (binary search over c, Adam steps in tanh space). */
export interface CwConfig extends Partial<ThreatOptions> {
  /**
   * Radius of the threat set the result is clipped into (Infinity: the raw minimum-norm
   * result). The paper evaluates C&W inside its L-inf ball, as Foolbox does.
   */
  eps?: number;
  binarySearchSteps?: number;
  steps?: number;
  learningRate?: number;
  initialConst?: number;
  /** Confidence kappa of the f6 margin (default 0). */
  confidence?: number;
}

/**
 * Carlini & Wagner L2 (2017): minimise ||x' - x||_2^2 + c * max(z_y - max_{j != y} z_j, -kappa)
 * over w with x' = lo + (hi - lo)(tanh(w) + 1)/2 (so x' is always in the bounds), with Adam on
 * w, and a per-example binary search on c. Defaults are the paper's (Appendix D.1): 5 search
 * steps, 20 iterations, learning rate 0.01, initial constant 0.01. The smallest adversarial
 * found is then clipped into the threat set (eps, norm) and re-checked on the model.
 */
export class CarliniWagnerL2 extends BaseAttack<CwConfig & ThreatOptions> {
  readonly kind = 'white-box' as const;
  readonly name: string;
  readonly cfg: Required<Omit<CwConfig, 'eps' | 'norm' | 'bounds'>>;

  constructor(config: CwConfig = {}) {
    super('CarliniWagnerL2', { ...config, eps: config.eps ?? Infinity }, { allowInfinite: true, defaultNorm: 'l2' });
    this.cfg = {
      binarySearchSteps: config.binarySearchSteps ?? 5,
      steps: config.steps ?? 20,
      learningRate: config.learningRate ?? 0.01,
      initialConst: config.initialConst ?? 0.01,
      confidence: config.confidence ?? 0,
    };
    const { binarySearchSteps: b, steps, learningRate, initialConst, confidence } = this.cfg;
    if (!Number.isInteger(b) || b < 1) throw new ValueError(`CarliniWagnerL2: binarySearchSteps must be an integer >= 1, got ${b}`);
    if (!Number.isInteger(steps) || steps < 1) throw new ValueError(`CarliniWagnerL2: steps must be an integer >= 1, got ${steps}`);
    if (!(learningRate > 0)) throw new ValueError(`CarliniWagnerL2: learningRate must be > 0, got ${learningRate}`);
    if (!(initialConst > 0)) throw new ValueError(`CarliniWagnerL2: initialConst must be > 0, got ${initialConst}`);
    if (!(confidence >= 0)) throw new ValueError(`CarliniWagnerL2: confidence must be >= 0, got ${confidence}`);
    this.name = `CW-L2(${this.threat.norm}, eps=${this.threat.eps}, ${b}x${steps})`;
  }

  protected make(c: CwConfig): Attack {
    return new CarliniWagnerL2(c);
  }

  /** Twice the iterations and two more binary-search steps. */
  stronger(): Attack {
    return new CarliniWagnerL2({ ...this.cfg, ...this.threat, steps: this.cfg.steps * 2, binarySearchSteps: this.cfg.binarySearchSteps + 2 });
  }

  protected perturb(state: AttackState, forward: ForwardFn): void {
    const active = state.active();
    const len = state.rowLen;
    const [lo, hi] = this.threat.bounds;
    const m = active.length;
    if (m > 0) {
      // w0 = atanh of x mapped to (-1, 1), pulled in slightly so the ends stay finite.
      const w0 = new Float64Array(m * len);
      active.forEach((i, r) => {
        for (let j = 0; j < len; j++) {
          const u = ((state.x[i * len + j] - lo) / (hi - lo)) * 2 - 1;
          w0[r * len + j] = Math.atanh(u * (1 - 1e-6));
        }
      });
      const xRows = state.rows(active, state.x);
      const xHost = Float64Array.from(xRows.dataSync());
      xRows.dispose();
      const goal = Int32Array.from(active, (i) => state.goal(i));
      const c = new Float64Array(m).fill(this.cfg.initialConst);
      const lower = new Float64Array(m);
      const upper = new Float64Array(m).fill(1e10);
      const bestL2 = new Float64Array(m).fill(Infinity);
      const best = new Float64Array(m * len);
      const searches = this.cfg.binarySearchSteps;
      for (let search = 0; search < searches; search++) {
        state.inLoop('search', search + 1, searches, () => {
          const w = w0.slice();
          const mAdam = new Float64Array(m * len);
          const vAdam = new Float64Array(m * len);
          const foundThisRound = new Array<boolean>(m).fill(false);
          for (let it = 1; it <= this.cfg.steps; it++) {
            const out = this.objectiveGrad(forward, state, w, xHost, goal, c, active);
            const preds = argmaxRows(out.logits, m, out.logits.length / m);
            for (let r = 0; r < m; r++) {
              const i = active[r];
              if (state.isSuccess(i, preds[r]) && out.l2[r] < bestL2[r]) {
                bestL2[r] = out.l2[r];
                best.set(out.xAdv.subarray(r * len, (r + 1) * len), r * len);
                foundThisRound[r] = true;
              }
            }
            // Every row runs to the end: success is judged only after the clip into the threat set.
            state.reportStep({ unit: 'step', step: it, steps: this.cfg.steps, active: m, n: state.n });
            // Adam (Kingma & Ba) on w, bias-corrected.
            const b1 = 0.9;
            const b2 = 0.999;
            const lr = (this.cfg.learningRate * Math.sqrt(1 - b2 ** it)) / (1 - b1 ** it);
            for (let k = 0; k < w.length; k++) {
              const g = out.grad[k];
              mAdam[k] = b1 * mAdam[k] + (1 - b1) * g;
              vAdam[k] = b2 * vAdam[k] + (1 - b2) * g * g;
              w[k] -= (lr * mAdam[k]) / (Math.sqrt(vAdam[k]) + 1e-8);
            }
          }
          for (let r = 0; r < m; r++) {
            if (foundThisRound[r]) {
              upper[r] = Math.min(upper[r], c[r]);
              c[r] = (lower[r] + upper[r]) / 2;
            } else {
              lower[r] = Math.max(lower[r], c[r]);
              c[r] = upper[r] < 1e9 ? (lower[r] + upper[r]) / 2 : c[r] * 10;
            }
          }
        });
      }
      active.forEach((i, r) => {
        if (bestL2[r] < Infinity) state.setAdvRow(i, best, r);
        if (Number.isFinite(this.threat.eps)) projectRow(state.adv, state.x, i, len, this.threat);
      });
    }
  }

  /** Objective, its gradient in w, the logits and ||x' - x||_2 for every row (one forward + backward). */
  private objectiveGrad(forward: (t: Tensor) => Tensor, state: AttackState, w: Float64Array, xHost: Float64Array, goal: Int32Array, c: Float64Array, active: number[]) {
    const [lo, hi] = this.threat.bounds;
    const m = active.length;
    const shape = [m, ...state.shape.slice(1)];
    const res = enableGrad(() =>
      tidy(() => {
        const wT = tensor(state.dtype === 'float32' ? Float32Array.from(w) : w.slice(), shape, state.dtype).requireGrad();
        const xAdv = add(mul(add(tanh(wT), 1), (hi - lo) / 2), lo);
        const diff = sub(xAdv, tensor(state.dtype === 'float32' ? Float32Array.from(xHost) : xHost, shape, state.dtype));
        const l2sq = sum(square(diff.reshape([m, -1])), 1);
        const logits = forward(xAdv);
        const host = state.readLogits(logits, active);
        const { zGoal, zOther } = goalAndBestOther(logits, goal);
        const margin = state.targeted ? sub(zOther, zGoal) : sub(zGoal, zOther);
        const f = maximum(margin, -this.cfg.confidence);
        const cT = tensor(state.dtype === 'float32' ? Float32Array.from(c) : c.slice(), [m], state.dtype);
        const total = sum(add(l2sq, mul(cT, f)));
        const [g] = gradients(total, [wT]);
        return {
          grad: Float64Array.from(g.dataSync()),
          logits: host,
          l2: Float64Array.from(l2sq.dataSync(), Math.sqrt),
          xAdv: Float64Array.from(xAdv.dataSync()),
        };
      }),
    );
    for (const i of active) {
      state.forwardCount[i]++;
      state.gradCount[i]++;
    }
    return res;
  }
}
