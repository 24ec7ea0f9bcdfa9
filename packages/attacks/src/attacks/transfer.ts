import type { Attack } from '../attack.js';
import { BaseAttack } from '../base.js';
import type { Classifier } from '../classifier.js';
import type { AttackState } from '../state.js';
import type { ThreatModel } from '../threat.js';

/**
 * Transfer (black-box) attack: craft adversarial examples with `inner` on a `source` model (an
 * independently trained copy, say) and judge them on the attacked model. Counts are the total
 * spent: the source attack's plus the attacked model's forwards. Give `inner` no early stop
 * (`new PGD({ ..., earlyStop: false })`, as the registry's 'transfer' does): an example frozen
 * at the first iterate that fools the source sits on its decision boundary and rarely transfers.
 */
export class TransferAttack extends BaseAttack<{ eps: number }> {
  readonly kind = 'transfer' as const;
  readonly name: string;

  constructor(
    readonly source: Classifier,
    readonly inner: Attack,
    name?: string,
  ) {
    const bounds = (inner as { threat?: ThreatModel }).threat?.bounds ?? [0, 1];
    super('TransferAttack', { eps: inner.eps, norm: inner.norm, bounds } as { eps: number });
    this.name = name ?? `Transfer(${inner.name})`;
  }

  override get supportsTargets(): boolean {
    return this.inner.supportsTargets ?? true;
  }

  protected make(o: { eps: number }): Attack {
    return new TransferAttack(this.source, this.inner.withEps(o.eps));
  }

  protected perturb(state: AttackState): void {
    const active = state.active();
    const x = state.rows(active, state.x);
    const crafted = this.inner.run(this.source, x, Int32Array.from(active, (i) => state.labels[i]), {
      targets: state.targets ? Int32Array.from(active, (i) => state.targets![i]) : undefined,
      seeds: state.hasRandomness ? active.map((i) => state.seed(i)) : undefined,
      memoryBudget: state.memoryBudget,
    });
    x.dispose();
    const adv = crafted.xAdv.dataSync();
    crafted.xAdv.dispose();
    active.forEach((i, r) => {
      state.setAdvRow(i, adv, r);
      state.forwardCount[i] += crafted.forwardCount[r];
      state.gradCount[i] += crafted.gradCount[r];
    });
  }
}
