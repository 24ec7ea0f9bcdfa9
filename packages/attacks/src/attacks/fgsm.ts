import type { Attack } from '../attack.js';
import { BaseAttack, type ThreatOptions } from '../base.js';
import { ascentDirection, checkSparsity, L1_SPARSITY } from '../blocks/direction.js';
import { projectRow } from '../blocks/project.js';
import type { ForwardFn } from '../classifier.js';
import { lossGradient } from '../gradient.js';
import { checkLoss, type AttackLoss } from '../losses.js';
import type { AttackState } from '../state.js';

export interface FgsmConfig extends ThreatOptions {
  loss?: AttackLoss;
  /** Fraction of coordinates the L1 step moves (default 0.2). */
  l1Sparsity?: number;
}

/**
 * Fast gradient sign method (Goodfellow et al. 2015): one step of size eps along sign(grad)
 * (for L2 the fast gradient method: along grad / ||grad||; for L1 the sparse step). Targeted
 * runs descend the target's cross-entropy. Deterministic.
 */
export class FGSM extends BaseAttack<FgsmConfig> {
  readonly kind = 'white-box' as const;
  readonly name: string;
  readonly loss: AttackLoss;

  constructor(config: FgsmConfig) {
    super('FGSM', config);
    this.loss = config.loss ?? 'ce';
    checkLoss('FGSM', this.loss);
    checkSparsity('FGSM', config.l1Sparsity ?? L1_SPARSITY);
    this.name = `FGSM(${this.threat.norm}, eps=${this.threat.eps})`;
  }

  protected make(c: FgsmConfig): Attack {
    return new FGSM(c);
  }

  protected perturb(state: AttackState, forward: ForwardFn): void {
    const active = state.active();
    const { grad } = lossGradient(state, forward, active, state.pack(active, state.x), state.objective(this.loss));
    const len = state.rowLen;
    const dir = new Float64Array(len);
    active.forEach((i, r) => {
      ascentDirection(grad, r * len, len, this.threat.norm, dir, this.options.l1Sparsity ?? L1_SPARSITY);
      for (let j = 0; j < len; j++) state.adv[i * len + j] = state.x[i * len + j] + this.threat.eps * dir[j];
      projectRow(state.adv, state.x, i, len, this.threat);
    });
  }
}
