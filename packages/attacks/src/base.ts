import { ValueError, type Tensor } from '@kwta/core';
import type { Attack, AttackKind, AttackResult, Labels, RunOptions } from './attack.js';
import { forwardOf, type Classifier, type ForwardFn } from './classifier.js';
import { AttackState } from './state.js';
import { checkThreat, type Norm, type ThreatModel } from './threat.js';

/** What every attack's options share. */
export interface ThreatOptions {
  eps: number;
  norm?: Norm;
  /** Valid input range (default [0, 1]). */
  bounds?: readonly [number, number];
}

/** Which threat models an attack accepts: its norms, whether eps may be Infinity, its default norm. */
export interface ThreatRules {
  /** Norms the attack is defined for (default all). */
  norms?: readonly Norm[];
  /** Minimum-norm attacks accept eps = Infinity (no ball to clip into). */
  allowInfinite?: boolean;
  /** The norm when none is given (default 'linf'). */
  defaultNorm?: Norm;
}

/**
 * The base every attack extends (torchattacks' `Attack.__call__` is the model): it owns the
 * threat model check, eps / norm, `withEps`, and the one `run()`: forward, mark the examples
 * already misclassified, let the attack perturb the others (nothing at eps = 0), one final
 * forward that decides success, and the final check that every result lies in the threat set.
 * An attack writes its algorithm in `perturb` and says how to rebuild itself with `make`.
 */
export abstract class BaseAttack<O extends ThreatOptions> implements Attack {
  abstract readonly kind: AttackKind;
  readonly threat: ThreatModel;

  protected constructor(
    /** The name used in errors. */
    readonly op: string,
    /** The options as given (withEps and stronger rebuild from them). */
    readonly options: O,
    rules: ThreatRules = {},
  ) {
    this.threat = { eps: options.eps, norm: options.norm ?? rules.defaultNorm ?? 'linf', bounds: options.bounds ?? [0, 1] };
    checkThreat(op, this.threat, rules.allowInfinite ?? false, rules.norms);
  }

  /** The name in reports: the algorithm and its settings. */
  abstract readonly name: string;

  /** Whether run() accepts targets (the target-sweeping and untargeted-only attacks say no). */
  get supportsTargets(): boolean {
    return true;
  }

  /** Whether perturb() draws random numbers (then run() needs a gen or seeds). */
  protected usesRandomness(): boolean {
    return false;
  }

  get eps(): number {
    return this.threat.eps;
  }

  get norm(): Norm {
    return this.threat.norm;
  }

  /** The same attack from other options. */
  protected abstract make(options: O): Attack;

  /** Options proportional to eps (step sizes, sigma), rescaled by withEps. */
  protected epsScaled(): readonly (keyof O)[] {
    return [];
  }

  /** The same attack at another radius; options proportional to eps scale with it. */
  withEps(eps: number): Attack {
    const next: O = { ...this.options, eps };
    const old = this.threat.eps;
    for (const key of this.epsScaled()) {
      const v = this.options[key];
      if (typeof v !== 'number') continue;
      // At an old radius of 0 the ratio is unknown: fall back to the default for the new eps.
      next[key] = (old > 0 && Number.isFinite(old) ? (v * eps) / old : undefined) as O[keyof O];
    }
    if ('name' in next) delete (next as { name?: string }).name;
    return this.make(next);
  }

  /**
   * Attack `x` (labels `y`) against `model`: checks the inputs, runs the attack, and checks its result stays
   * in the threat set.
   */
  run(model: Classifier, x: Tensor, y: Labels, opts: RunOptions = {}): AttackResult {
    if (opts.targets !== undefined && !this.supportsTargets) throw new ValueError(`${this.op}: the attack chooses its own classes (untargeted); do not pass targets`);
    const forward = forwardOf(model);
    const state = new AttackState(this.op, x, y, opts, this.threat);
    if (this.usesRandomness() && !state.hasRandomness) throw new ValueError(`${this.op}: needs a Generator for its random choices (pass { gen } or { seeds })`);
    state.markCleanSuccesses(forward);
    if (this.threat.eps > 0 && state.active().length > 0) this.perturb(state, forward, model);
    return this.finish(state, forward);
  }

  /** Move the unbroken examples (state.active()) within the threat set. */
  protected abstract perturb(state: AttackState, forward: ForwardFn, model: Classifier): void;

  /** The result from the state (an ensemble adds its trace). */
  protected finish(state: AttackState, forward: ForwardFn): AttackResult {
    return state.finish(forward);
  }
}
