import type { Tensor } from '@kwta/core';
import type { Attack, AttackKind, AttackResult, Labels, RunOptions } from '../attack.js';
import { forwardOf, type Classifier } from '../classifier.js';
import { lossGradient } from '../gradient.js';
import { checkIterative, predsFromLogits, runIterative } from '../iterative.js';
import type { AttackLoss } from '../losses.js';
import { AttackState } from '../state.js';
import { checkThreat, type Norm, type ThreatModel } from '../threat.js';

export interface PgdConfig {
  eps: number;
  norm?: Norm;
  /** Default 40 (the paper's CIFAR setting). */
  steps?: number;
  /** Default 2.5 * eps / steps (Madry et al.), so the walk can cross the ball. */
  stepSize?: number;
  /** Default 1. */
  restarts?: number;
  /** Default true. */
  randomStart?: boolean;
  /** Default 'ce'; 'margin' gives the C&W L-inf form, 'dlr' the AutoAttack loss. */
  loss?: AttackLoss;
  bounds?: readonly [number, number];
  /**
   * A model to take gradients from instead of the attacked one (BPDA: same weights, exact
   * forward, smooth backward). Success is always judged on the attacked model.
   */
  surrogate?: Classifier;
  name?: string;
}

export function resolvePgd(c: PgdConfig): Required<Omit<PgdConfig, 'surrogate' | 'name'>> & Pick<PgdConfig, 'surrogate' | 'name'> {
  const steps = c.steps ?? 40;
  return {
    eps: c.eps,
    norm: c.norm ?? 'linf',
    steps,
    stepSize: c.stepSize ?? (2.5 * c.eps) / steps,
    restarts: c.restarts ?? 1,
    randomStart: c.randomStart ?? true,
    loss: c.loss ?? 'ce',
    bounds: c.bounds ?? [0, 1],
    surrogate: c.surrogate,
    name: c.name,
  };
}

/**
 * Projected gradient descent (Madry et al. 2018): from a random point of the ball, `steps`
 * steps of `stepSize` along sign(grad) (L-inf) or grad/||grad|| (L2), projecting back each time;
 * `restarts` independent tries for the rows still unbroken. With `surrogate` it is BPDA.
 */
export class PGD implements Attack {
  readonly kind: AttackKind;
  readonly name: string;
  readonly config: ReturnType<typeof resolvePgd>;

  constructor(config: PgdConfig, protected readonly momentum: number | null = null) {
    this.config = resolvePgd(config);
    const op = this.op;
    checkThreat(op, this.threat);
    checkIterative(op, this.config);
    this.kind = this.config.surrogate ? 'adaptive' : 'white-box';
    this.name = config.name ?? `${op}(${this.config.norm}, eps=${this.config.eps}, ${this.config.steps}x${this.config.restarts}, ${this.config.loss})`;
  }

  /** The name used in errors and reports. */
  protected get op(): string {
    return 'PGD';
  }

  get eps(): number {
    return this.config.eps;
  }

  get norm(): Norm {
    return this.config.norm;
  }

  get threat(): ThreatModel {
    return { eps: this.config.eps, norm: this.config.norm, bounds: this.config.bounds };
  }

  protected make(c: PgdConfig): Attack {
    return new PGD(c);
  }

  withEps(eps: number): Attack {
    const scale = this.config.eps > 0 ? eps / this.config.eps : 0;
    const stepSize = this.config.eps > 0 ? this.config.stepSize * scale : (2.5 * eps) / this.config.steps;
    return this.make({ ...this.config, eps, stepSize, name: undefined });
  }

  /** Twice the steps at half the step size, and (with random starts) two more restarts. */
  stronger(): Attack {
    const c = this.config;
    const restarts = c.randomStart ? c.restarts + 2 : c.restarts;
    return this.make({ ...c, steps: c.steps * 2, stepSize: c.stepSize / 2, restarts, name: undefined });
  }

  run(model: Classifier, x: Tensor, y: Labels, opts: RunOptions = {}): AttackResult {
    const forward = forwardOf(model);
    const gradModel = this.config.surrogate ? forwardOf(this.config.surrogate, 'surrogate') : forward;
    const state = new AttackState(this.op, x, y, opts.targets, this.threat);
    state.markCleanSuccesses(forward);
    const surrogate = this.config.surrogate !== undefined;
    runIterative(
      state,
      forward,
      (indices, cur) => {
        const lg = lossGradient(state, gradModel, indices, state.pack(indices, cur), this.config.loss);
        // Surrogate logits may differ from the model's: then the loop asks the model.
        return { grad: lg.grad, preds: surrogate ? null : predsFromLogits(lg.logits, indices.length) };
      },
      { ...this.config, threat: this.threat, momentum: this.momentum },
      opts.gen,
    );
    return state.finish(forward);
  }
}

export interface MimConfig extends Omit<PgdConfig, 'randomStart'> {
  /** Decay factor mu (default 1.0, Dong et al. 2018). */
  decay?: number;
  randomStart?: boolean;
}

/**
 * Momentum iterative method (Dong et al. 2018): PGD whose step follows an accumulated,
 * L1-normalised gradient. Defaults follow the paper: 20 steps of 0.003, no random start.
 */
export class MIM extends PGD {
  constructor(config: MimConfig) {
    super({ steps: 20, stepSize: 0.003, randomStart: false, ...config }, config.decay ?? 1.0);
  }

  protected override get op(): string {
    return 'MIM';
  }

  protected override make(c: PgdConfig): Attack {
    return new MIM({ ...c, decay: this.momentum ?? 1.0 });
  }
}
