import type { Attack, AttackKind } from '../attack.js';
import { BaseAttack, type ThreatOptions } from '../base.js';
import { checkSparsity, L1_SPARSITY } from '../blocks/direction.js';
import { forwardOf, type Classifier, type ForwardFn } from '../classifier.js';
import { gradientOracle } from '../gradient.js';
import { checkIterative, runIterative } from '../iterative.js';
import { checkLoss, type AttackLoss } from '../losses.js';
import { fixedStep } from '../rules/fixed.js';
import type { AttackState } from '../state.js';
import type { Norm } from '../threat.js';

export interface PgdConfig extends ThreatOptions {
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
  /** Fraction of coordinates an L1 step moves (default 0.2). */
  l1Sparsity?: number;
  /**
   * A model to take gradients from instead of the attacked one (BPDA: same weights, exact
   * forward, smooth backward). Success is always judged on the attacked model.
   */
  surrogate?: Classifier;
  /**
   * Default true: a row stops at its first fooling iterate. False: every row takes all `steps`
   * and keeps its last iterate (the transfer attack crafts its source examples so).
   */
  earlyStop?: boolean;
  name?: string;
}

export interface ResolvedPgd {
  eps: number;
  norm: Norm;
  steps: number;
  stepSize: number;
  restarts: number;
  randomStart: boolean;
  loss: AttackLoss;
  l1Sparsity: number;
  bounds: readonly [number, number];
  surrogate?: Classifier;
  earlyStop: boolean;
  name?: string;
}

export function resolvePgd(c: PgdConfig): ResolvedPgd {
  const steps = c.steps ?? 40;
  return {
    eps: c.eps,
    norm: c.norm ?? 'linf',
    steps,
    stepSize: c.stepSize ?? (2.5 * c.eps) / steps,
    restarts: c.restarts ?? 1,
    randomStart: c.randomStart ?? true,
    loss: c.loss ?? 'ce',
    l1Sparsity: c.l1Sparsity ?? L1_SPARSITY,
    bounds: c.bounds ?? [0, 1],
    surrogate: c.surrogate,
    earlyStop: c.earlyStop ?? true,
    name: c.name,
  };
}

/**
 * Projected gradient descent (Madry et al. 2018): from a random point of the ball, `steps`
 * steps of `stepSize` along sign(grad) (L-inf), grad/||grad|| (L2) or the sparse L1 direction,
 * projecting back each time; `restarts` independent tries for the rows still unbroken. With
 * `surrogate` it is BPDA.
 */
export class PGD extends BaseAttack<PgdConfig> {
  readonly kind: AttackKind;
  readonly name: string;
  readonly config: ResolvedPgd;

  constructor(config: PgdConfig, protected readonly momentum: number | null = null, op = 'PGD') {
    super(op, config);
    this.config = resolvePgd(config);
    checkIterative(op, this.config);
    checkLoss(op, this.config.loss);
    checkSparsity(op, this.config.l1Sparsity);
    this.kind = this.config.surrogate ? 'adaptive' : 'white-box';
    const c = this.config;
    this.name = config.name ?? `${op}(${c.norm}, eps=${c.eps}, ${c.steps}x${c.restarts}, ${c.loss}${c.earlyStop ? '' : ', every step'})`;
  }

  protected make(c: PgdConfig): Attack {
    return new PGD(c);
  }

  protected override epsScaled(): (keyof PgdConfig)[] {
    return ['stepSize'];
  }

  protected override usesRandomness(): boolean {
    return this.config.randomStart;
  }

  /** Twice the steps at half the step size, and (with random starts) two more restarts. */
  stronger(): Attack {
    const c = this.config;
    const restarts = c.randomStart ? c.restarts + 2 : c.restarts;
    return this.make({ ...this.options, steps: c.steps * 2, stepSize: c.stepSize / 2, restarts, name: undefined });
  }

  protected perturb(state: AttackState, forward: ForwardFn): void {
    const c = this.config;
    const surrogate = c.surrogate ? forwardOf(c.surrogate, 'surrogate') : undefined;
    const oracle = gradientOracle(state, forward, state.objective(c.loss), { surrogate });
    const rule = fixedStep(state, this.threat, { stepSize: c.stepSize, momentum: this.momentum, l1Sparsity: c.l1Sparsity });
    runIterative(state, forward, oracle, rule, { threat: this.threat, steps: c.steps, restarts: c.restarts, start: c.randomStart ? 'uniform' : 'none', earlyStop: c.earlyStop });
  }
}

/**
 * Options of MIM (momentum iterative method): PGD's options without a random start, plus the momentum decay.
 */
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
    super({ steps: 20, stepSize: 0.003, randomStart: false, ...config }, config.decay ?? 1.0, 'MIM');
  }

  protected override make(c: PgdConfig): Attack {
    return new MIM({ ...c, decay: this.momentum ?? 1.0 });
  }
}
