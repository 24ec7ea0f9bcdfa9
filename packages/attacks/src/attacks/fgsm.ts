import type { Tensor } from '@kwta/core';
import type { Attack, AttackResult, Labels, RunOptions } from '../attack.js';
import { forwardOf, type Classifier } from '../classifier.js';
import { lossGradient } from '../gradient.js';
import type { AttackLoss } from '../losses.js';
import { AttackState } from '../state.js';
import { ascentDirection, checkThreat, projectRow, type Norm, type ThreatModel } from '../threat.js';

export interface FgsmConfig {
  eps: number;
  norm?: Norm;
  loss?: AttackLoss;
  bounds?: readonly [number, number];
}

/**
 * Fast gradient sign method (Goodfellow et al. 2015): one step of size eps along sign(grad)
 * (for L2 the fast gradient method: along grad / ||grad||). Targeted runs descend the target's
 * cross-entropy. Deterministic.
 */
export class FGSM implements Attack {
  readonly kind = 'white-box' as const;
  readonly name: string;
  readonly threat: ThreatModel;
  readonly loss: AttackLoss;

  constructor(config: FgsmConfig) {
    this.threat = { eps: config.eps, norm: config.norm ?? 'linf', bounds: config.bounds ?? [0, 1] };
    this.loss = config.loss ?? 'ce';
    checkThreat('FGSM', this.threat);
    this.name = `FGSM(${this.threat.norm}, eps=${this.threat.eps})`;
  }

  get eps(): number {
    return this.threat.eps;
  }

  get norm(): Norm {
    return this.threat.norm;
  }

  withEps(eps: number): Attack {
    return new FGSM({ ...this.threat, eps, loss: this.loss });
  }

  run(model: Classifier, x: Tensor, y: Labels, opts: RunOptions = {}): AttackResult {
    const forward = forwardOf(model);
    const state = new AttackState('FGSM', x, y, opts.targets, this.threat);
    state.markCleanSuccesses(forward);
    const active = state.active();
    if (active.length > 0) {
      const { grad } = lossGradient(state, forward, active, state.pack(active, state.x), this.loss);
      const len = state.rowLen;
      const dir = new Float64Array(len);
      active.forEach((i, r) => {
        ascentDirection(grad, r * len, len, this.threat.norm, dir);
        for (let j = 0; j < len; j++) state.adv[i * len + j] = state.x[i * len + j] + this.threat.eps * dir[j];
        projectRow(state.adv, state.x, i, len, this.threat);
      });
    }
    return state.finish(forward);
  }
}
