import { ValueError } from '@kwta/core';
import type { Attack } from '../attack.js';
import type { Norm } from '../threat.js';
import type { UnitRecord } from './eval-state.js';
import { targetName, type TargetSpec } from './targets.js';

/** Which masking and sanity checks an evaluation runs, and their settings. */
export interface CheckOptions {
  /** The attack whose radius is swept (default: the first white-box attack with a stronger variant). */
  epsAttack?: Attack;
  /** Radii for the sweep (default: 2, 4 and 8 times eps and a radius that covers the whole input range). */
  epsValues?: number[];
  /** Accuracy allowed at the largest radius (default 0.1). */
  maxAccuracyAtLargeEps?: number;
  /** Run every attack's stronger() variant (default true). */
  stronger?: boolean;
  /**
   * AutoAttack's model sanity checks (outputs differ between calls, outputs look like
   * probabilities, zero gradients): two forwards and one backward per example in the clean pass
   * (default false). AutoAttack's Square check runs whenever AutoAttack ran Square.
   */
  sanity?: boolean;
  /**
   * Accuracy slack before a check fails (default max(0.05, 3 / n): a few examples' worth, so
   * sampling noise between two sound attacks on a small slice does not raise a flag).
   */
  tolerance?: number;
}

/** One planned run over the slice: an attack with a target choice, or a check's extra run. */
export interface PlannedUnit {
  key: string;
  attack: Attack;
  target: TargetSpec | null;
  role: UnitRecord['role'];
  base?: string;
}

/** A radius that reaches every point of [0, 1]^d from any input: the sweep's end point. */
export function coveringEps(norm: Norm, features: number): number {
  return norm === 'linf' ? 1 : norm === 'l2' ? Math.sqrt(features) : features;
}

/**
 * Every run of an evaluation, in order: each attack (once per target choice in a targeted
 * evaluation), then per target choice the checks' runs: the sweep attack at larger radii and
 * each attack's stronger variant. Keys are stable, so a state file finds its units again.
 */
export function planUnits(attacks: readonly Attack[], targets: readonly TargetSpec[] | undefined, checks: CheckOptions | false, features: number): PlannedUnit[] {
  const groups: (TargetSpec | null)[] = targets && targets.length > 0 ? [...targets] : [null];
  const units: PlannedUnit[] = [];
  const tag = (t: TargetSpec | null) => (t === null ? '' : `@${targetName(t)}`);
  groups.forEach((target) => {
    attacks.forEach((attack, a) => {
      if (target !== null && attack.supportsTargets === false) throw new ValueError(`evaluate: ${attack.name} cannot run targeted (it picks its own classes); leave it out of a targeted evaluation`);
      units.push({ key: `attack.${a}:${attack.name}${tag(target)}`, attack, target, role: 'attack' });
    });
  });
  if (checks === false) return units;
  groups.forEach((target) => {
    const group = units.filter((u) => u.target === target && u.role === 'attack');
    const sweepBase = checks.epsAttack ?? group.find((u) => u.attack.kind === 'white-box' && u.attack.stronger)?.attack ?? group[0].attack;
    let base = group.find((u) => u.attack === sweepBase);
    if (!base) {
      base = { key: `sweep.base:${sweepBase.name}${tag(target)}`, attack: sweepBase, target, role: 'sweep' };
      units.push(base);
    }
    const big = coveringEps(sweepBase.norm, features);
    const radii = checks.epsValues ?? [2, 4, 8].map((f) => f * sweepBase.eps).filter((e) => e < big).concat([big]);
    radii.forEach((eps, r) => units.push({ key: `sweep.${r}:${sweepBase.name}@eps=${eps}${tag(target)}`, attack: sweepBase.withEps(eps), target, role: 'sweep', base: base.key }));
    if (checks.stronger ?? true) {
      for (const u of group) {
        const s = u.attack.stronger?.();
        if (s) units.push({ key: `stronger.${u.key}`, attack: s, target, role: 'stronger', base: u.key });
      }
    }
  });
  const keys = new Set(units.map((u) => u.key));
  if (keys.size !== units.length) throw new ValueError('evaluate: two runs of the evaluation have the same name and settings; give the attacks distinct names');
  return units;
}
