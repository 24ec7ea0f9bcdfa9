import type { Tensor } from '@kwta/core';
import type { Attack, AttackResult, Labels, RunOptions } from '../attack.js';
import { forwardOf, type Classifier } from '../classifier.js';
import { AttackState } from '../state.js';
import type { Norm } from '../threat.js';

/**
 * Transfer (black-box) attack: craft adversarial examples with `inner` on a `source` model (an
 * independently trained copy, say) and judge them on the attacked model, which is queried once.
 * Counts are the total spent: the source attack's plus the one target forward.
 */
export class TransferAttack implements Attack {
  readonly kind = 'transfer' as const;
  readonly name: string;

  constructor(
    readonly source: Classifier,
    readonly inner: Attack,
    name?: string,
  ) {
    this.name = name ?? `Transfer(${inner.name})`;
  }

  get eps(): number {
    return this.inner.eps;
  }

  get norm(): Norm {
    return this.inner.norm;
  }

  withEps(eps: number): Attack {
    return new TransferAttack(this.source, this.inner.withEps(eps));
  }

  run(model: Classifier, x: Tensor, y: Labels, opts: RunOptions = {}): AttackResult {
    const crafted = this.inner.run(this.source, x, y, opts);
    const forward = forwardOf(model);
    // Judge on the target: a state whose adversarial rows are the crafted ones.
    const state = new AttackState('TransferAttack', x, y, opts.targets, { eps: this.eps, norm: this.norm, bounds: [-Infinity, Infinity] });
    state.adv.set(crafted.xAdv.dataSync());
    crafted.xAdv.dispose();
    for (let i = 0; i < state.n; i++) {
      state.forwardCount[i] = crafted.forwardCount[i];
      state.gradCount[i] = crafted.gradCount[i];
    }
    return state.finish(forward);
  }
}
