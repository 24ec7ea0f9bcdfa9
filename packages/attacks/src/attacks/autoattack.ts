import { ValueError } from '@kwta/core';
import type { Attack, AttackResult, StepProgress } from '../attack.js';
import { BaseAttack, type ThreatOptions } from '../base.js';
import type { Classifier, ForwardFn } from '../classifier.js';
import { mixSeed } from '../seeds.js';
import type { AttackState } from '../state.js';
import { APGD, APGDT } from './apgd.js';
import { FAB, FABT } from './fab.js';
import { SquareAttack } from './square.js';

/** AutoAttack's attack suites (fra31/auto-attack's `version`): 'standard', 'plus' or 'rand'. */
export type AutoAttackVersion = 'standard' | 'plus' | 'rand';
/** Every AutoAttack version, in the order reports list them. */
export const AUTOATTACK_VERSIONS: readonly AutoAttackVersion[] = ['standard', 'plus', 'rand'];

export interface AutoAttackConfig extends ThreatOptions {
  /** 'standard' (default), 'plus' (more attacks and restarts) or 'rand' (EOT for randomised models). */
  version?: AutoAttackVersion;
  /** Override the iterations of APGD and FAB (default 100): quick runs say so in the name. */
  steps?: number;
  /** Override Square's queries (default 5000). */
  queries?: number;
  name?: string;
}

/** AutoAttack's members for a version and norm, in its order (Croce & Hein 2020; set_version of the reference). */
export function autoAttackMembers(c: AutoAttackConfig): Attack[] {
  const { eps, bounds } = c;
  const norm = c.norm ?? 'linf';
  const steps = c.steps ?? 100;
  const queries = c.queries ?? 5000;
  const base = { eps, norm, bounds, steps };
  const l1 = norm === 'l1';
  const square = norm === 'l1' ? [] : [new SquareAttack({ eps, norm, bounds, queries, pInit: 0.8 })];
  switch (c.version ?? 'standard') {
    case 'standard':
      return [
        new APGD({ ...base, loss: 'ce', restarts: l1 ? 5 : 1, largeEps: l1 }),
        new APGDT({ ...base, targetClasses: l1 ? 5 : 9, largeEps: l1 }),
        new FABT({ ...base, targetClasses: 9 }),
        ...square,
      ];
    case 'plus':
      return [
        new APGD({ ...base, loss: 'ce', restarts: 5 }),
        new APGD({ ...base, loss: 'dlr', restarts: 5 }),
        new FAB({ ...base, restarts: 5 }),
        ...square,
        new APGDT({ ...base, targetClasses: 9 }),
        new FABT({ ...base, targetClasses: 9 }),
      ];
    case 'rand':
      return [new APGD({ ...base, loss: 'ce', eot: 20 }), new APGD({ ...base, loss: 'dlr', eot: 20 })];
    default:
      throw new ValueError(`AutoAttack: version must be ${AUTOATTACK_VERSIONS.map((v) => `'${v}'`).join(', ')}, got '${String(c.version)}'`);
  }
}

/**
 * AutoAttack (Croce & Hein 2020): its attacks in order, each run only on the examples no earlier
 * one broke. The result is the per-example worst case (an example's adversarial is the first
 * member's that broke it) with a trace of which member broke which example and the time each
 * took: robust accuracy after each member is AutoAttack's cumulative log. L1 'standard' runs
 * APGD-CE (5 restarts), APGD-T (5 targets) with the 3-2-1 eps schedule and FAB-T; Square (L-inf
 * and L2 only here) is left out. The final checks (inside the ball and the bounds, no NaN) run
 * in the base's finish, as for every attack.
 */
export class AutoAttack extends BaseAttack<AutoAttackConfig> {
  readonly kind = 'ensemble' as const;
  readonly name: string;
  readonly version: AutoAttackVersion;
  readonly members: Attack[];

  constructor(config: AutoAttackConfig) {
    super('AutoAttack', config);
    this.version = config.version ?? 'standard';
    this.members = autoAttackMembers(config);
    const quick = [config.steps !== undefined ? `${config.steps} steps` : '', config.queries !== undefined ? `${config.queries} queries` : ''].filter(Boolean);
    this.name = config.name ?? `AutoAttack(${this.version}, ${this.threat.norm}, eps=${this.threat.eps}${quick.map((q) => `, ${q}`).join('')})`;
  }

  override get supportsTargets(): boolean {
    return false;
  }

  protected make(c: AutoAttackConfig): Attack {
    return new AutoAttack(c);
  }

  protected override usesRandomness(): boolean {
    return true;
  }

  /** Per run: which member broke each example, the examples wrong from the start, seconds per member. */
  private readonly traces = new WeakMap<AttackState, { brokenBy: number[]; wrongClean: boolean[]; seconds: number[] }>();

  protected perturb(state: AttackState, _forward: ForwardFn, model: Classifier): void {
    const trace = { brokenBy: new Array<number>(state.n).fill(-1), wrongClean: [...state.success], seconds: this.members.map(() => 0) };
    this.traces.set(state, trace);
    this.members.forEach((member, k) => {
      const rows = state.active();
      const t0 = performance.now();
      if (rows.length > 0) {
        const x = state.rows(rows, state.x);
        const onStep = state.onStep && ((p: StepProgress) => state.onStep!({ ...p, member: member.name }));
        const r = member.run(model, x, Int32Array.from(rows, (i) => state.labels[i]), { seeds: rows.map((i) => mixSeed(state.seed(i), k)), memoryBudget: state.memoryBudget, ...(onStep ? { onStep } : {}) });
        x.dispose();
        const adv = r.xAdv.dataSync();
        r.xAdv.dispose();
        rows.forEach((i, row) => {
          state.forwardCount[i] += r.forwardCount[row];
          state.gradCount[i] += r.gradCount[row];
          if (!r.success[row]) return;
          state.success[i] = true;
          state.setAdvRow(i, adv, row);
          trace.brokenBy[i] = k;
        });
      }
      trace.seconds[k] = (performance.now() - t0) / 1000;
      state.onMember?.({ member: member.name, index: k, members: this.members.length, unbroken: state.active().length, n: state.n, seconds: trace.seconds[k] });
    });
  }

  protected override finish(state: AttackState, forward: ForwardFn): AttackResult {
    const trace = this.traces.get(state) ?? { brokenBy: new Array<number>(state.n).fill(-1), wrongClean: [...state.success], seconds: this.members.map(() => 0) };
    this.traces.delete(state);
    const result = state.finish(forward);
    // The final forward has the last word: an example is broken only if it is misclassified now.
    const brokenBy = result.success.map((s, i) => (trace.wrongClean[i] ? -2 : s ? trace.brokenBy[i] : -1));
    return { ...result, trace: { members: this.members.map((m) => m.name), brokenBy, seconds: trace.seconds } };
  }
}

/** Build an {@link AutoAttack} from its options. */
export const autoAttack = (config: AutoAttackConfig): AutoAttack => new AutoAttack(config);
