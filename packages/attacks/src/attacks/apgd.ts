import { ValueError } from '@kwta/core';
import type { Attack } from '../attack.js';
import { BaseAttack, type ThreatOptions } from '../base.js';
import { projectRow } from '../blocks/project.js';
import { randomStartRow } from '../blocks/start.js';
import type { ForwardFn } from '../classifier.js';
import { gradientOracle } from '../gradient.js';
import { checkIterative, runIterative, type Row } from '../iterative.js';
import { apgdRule } from '../rules/apgd.js';
import type { AttackState, Objective } from '../state.js';
import { rankedTargets, targetCount } from './target-ranks.js';

export interface ApgdConfig extends ThreatOptions {
  /** Iterations per run (default 100). */
  steps?: number;
  /** Runs from fresh random starts, each on the examples still unbroken (default 1). */
  restarts?: number;
  /** 'ce' (default) or 'dlr'; with targets, their targeted forms (AutoAttack's APGD-T uses targeted DLR). */
  loss?: 'ce' | 'dlr';
  /** Oscillation threshold of the step-size schedule (default 0.75). */
  rho?: number;
  /** Weight of the new step in the momentum update (default 0.75). */
  momentum?: number;
  /** Average the gradient over this many evaluations: EOT for randomised models (default 1; AutoAttack 'rand': 20). */
  eot?: number;
  /**
   * L1: AutoAttack's radius schedule (3, 2 then 1 x eps over 30%, 30% and 40% of the steps,
   * each stage from the last one's best point); only the last stage can break an example.
   */
  largeEps?: boolean;
  name?: string;
}

interface ResolvedApgd {
  steps: number;
  restarts: number;
  loss: 'ce' | 'dlr';
  rho: number;
  momentum: number;
  eot: number;
  largeEps: boolean;
}

function resolveApgd(op: string, c: ApgdConfig): ResolvedApgd {
  const r = { steps: c.steps ?? 100, restarts: c.restarts ?? 1, loss: c.loss ?? 'ce', rho: c.rho ?? 0.75, momentum: c.momentum ?? 0.75, eot: c.eot ?? 1, largeEps: c.largeEps ?? false };
  checkIterative(op, r);
  if (r.loss !== 'ce' && r.loss !== 'dlr') throw new ValueError(`${op}: loss must be 'ce' or 'dlr', got '${String(r.loss)}'`);
  if (!(r.rho > 0 && r.rho <= 1)) throw new ValueError(`${op}: rho must be in (0, 1], got ${r.rho}`);
  if (!(r.momentum > 0 && r.momentum <= 1)) throw new ValueError(`${op}: momentum must be in (0, 1], got ${r.momentum}`);
  if (!Number.isInteger(r.eot) || r.eot < 1) throw new ValueError(`${op}: eot must be an integer >= 1, got ${r.eot}`);
  return r;
}

/**
 * Auto-PGD (Croce & Hein 2020): PGD without a step size to tune. It starts at 2 eps (L1: eps),
 * takes momentum steps and halves the step size at checkpoints when progress stalls, restarting
 * from the best point found (see rules/apgd.ts). L-inf, L2 and L1 (the sparse step of Croce &
 * Hein 2021). Restarts run on the examples still unbroken; each example stops as soon as it is.
 */
export class APGD extends BaseAttack<ApgdConfig> {
  readonly kind = 'white-box' as const;
  readonly name: string;
  readonly config: ResolvedApgd;

  constructor(config: ApgdConfig, op = 'APGD', detail = '') {
    super(op, config);
    this.config = resolveApgd(op, config);
    const c = this.config;
    const label = op === 'APGD' ? `APGD-${c.loss.toUpperCase()}` : op;
    const extra = [c.eot > 1 ? `eot ${c.eot}` : '', c.largeEps && this.threat.norm === 'l1' ? 'eps 3-2-1' : '', detail].filter(Boolean);
    this.name = config.name ?? `${label}(${this.threat.norm}, eps=${this.threat.eps}, ${c.steps}x${c.restarts}${extra.map((e) => `, ${e}`).join('')})`;
  }

  protected make(c: ApgdConfig): Attack {
    return new APGD(c);
  }

  protected override usesRandomness(): boolean {
    return true;
  }

  /** Twice the steps and two more restarts. */
  stronger(): Attack {
    return this.make({ ...this.options, steps: this.config.steps * 2, restarts: this.config.restarts + 2, name: undefined });
  }

  protected perturb(state: AttackState, forward: ForwardFn): void {
    const objective = state.objective(this.config.loss);
    for (let r = 0; r < this.config.restarts && state.active().length > 0; r++) state.inLoop('restart', r + 1, this.config.restarts, () => this.once(state, forward, objective));
  }

  /** One APGD run from a fresh start on the examples still unbroken. */
  protected once(state: AttackState, forward: ForwardFn, objective: Objective): void {
    const c = this.config;
    const oracle = gradientOracle(state, forward, objective, { eot: c.eot });
    if (!(this.threat.norm === 'l1' && c.largeEps)) {
      const rule = apgdRule(state, this.threat, { steps: c.steps, rho: c.rho, momentum: c.momentum });
      runIterative(state, forward, oracle, rule, { threat: this.threat, steps: c.steps, restarts: 1, start: 'apgd' });
      return;
    }
    // AutoAttack's L1 schedule: 3, 2, 1 x eps, each stage from the previous stage's best point.
    const len = state.rowLen;
    const stages = [Math.ceil(0.3 * c.steps), Math.ceil(0.3 * c.steps)];
    stages.push(c.steps - stages[0] - stages[1]);
    const rows = state.active();
    const carried = new Map<number, Float64Array>();
    const scratch = state.x.slice();
    for (const i of rows) {
      randomStartRow(scratch, state.x, i, len, { ...this.threat, eps: 3 * this.threat.eps }, state.rowGen(i), 'apgd');
      carried.set(i, Float64Array.from(scratch.subarray(i * len, (i + 1) * len)));
    }
    stages.forEach((steps, s) => {
      if (steps < 1) return;
      const threat = { ...this.threat, eps: (3 - s) * this.threat.eps };
      const rule = apgdRule(state, threat, { steps, rho: c.rho, momentum: c.momentum, continued: true });
      const startAt = (i: number, cur: Row) => {
        cur.set(carried.get(i)!, i * len);
        projectRow(cur, state.x, i, len, threat);
      };
      state.inLoop('stage', s + 1, stages.length, () => runIterative(state, forward, oracle, rule, { threat, steps, restarts: 1, start: 'none', startAt, judge: s === 2 }));
      for (const i of rows) {
        const best = rule.best(i);
        if (best) carried.set(i, best.slice());
      }
    });
  }
}

/** Options of targeted APGD (APGD-T): APGD's options with the loss fixed to the targeted DLR loss. */
export interface ApgdTargetedConfig extends Omit<ApgdConfig, 'loss'> {
  /** How many of the most likely other classes to try as targets, in order (default 9). */
  targetClasses?: number;
}

/**
 * APGD-T (Croce & Hein 2020): APGD on the targeted DLR loss, once for each of the
 * `targetClasses` classes (at most all the others) the model ranks highest after the label (at
 * the clean input), each
 * run on the examples still unbroken. Success is still any misclassification: the targets are
 * a search strategy, so the attack is untargeted from the outside (AutoAttack's 'apgd-t').
 */
export class APGDT extends APGD {
  readonly targetClasses: number;

  constructor(config: ApgdTargetedConfig) {
    const targets = targetCount('APGD-T', config.targetClasses);
    super({ ...config, loss: 'dlr' }, 'APGD-T', `${targets} targets`);
    this.targetClasses = targets;
  }

  override get supportsTargets(): boolean {
    return false;
  }

  protected override make(c: ApgdTargetedConfig): Attack {
    return new APGDT({ ...c, targetClasses: this.targetClasses });
  }

  override stronger(): Attack {
    return this.make({ ...this.options, steps: this.config.steps * 2, restarts: this.config.restarts + 1, name: undefined });
  }

  protected override perturb(state: AttackState, forward: ForwardFn): void {
    if (state.classes < 4) throw new ValueError(`APGD-T: the targeted DLR loss needs at least 4 classes; the model has ${state.classes}`);
    const goals = rankedTargets(state, this.targetClasses);
    goals.forEach((goal, k) =>
      state.inLoop('target', k + 1, goals.length, () => {
        const objective: Objective = { loss: 'dlr', targeted: true, goal };
        for (let r = 0; r < this.config.restarts && state.active().length > 0; r++) state.inLoop('restart', r + 1, this.config.restarts, () => this.once(state, forward, objective));
      }),
    );
  }
}
