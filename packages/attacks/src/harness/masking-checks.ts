import type { Generator, Tensor } from '@kwta/core';
import type { Attack } from '../attack.js';
import type { Classifier } from '../classifier.js';
import { runAttack, type AttackOutcome } from './run-attack.js';
import type { MaskingCheck, Progress } from './report.js';

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
   * Accuracy slack before a check fails (default max(0.05, 3 / n): a few examples' worth, so
   * sampling noise between two sound attacks on a small slice does not raise a flag).
   */
  tolerance?: number;
}

/** A radius that reaches every point of the bounds from any input: the sweep's end point. */
function coveringEps(attack: Attack, x: Tensor): number {
  const d = x.size / x.shape[0];
  return attack.norm === 'linf' ? 1 : Math.sqrt(d);
}

/**
 * The standard gradient-masking checks (Athalye et al. 2018; Carlini et al. 2019, "On
 * evaluating adversarial robustness"), each a pass/fail with its numbers:
 * 1. accuracy falls towards 0 as eps grows large, and never rises with eps;
 * 2. a stronger variant of an attack (more steps, restarts, queries) does not do worse;
 * 3. no black-box, transfer, gradient-free or adaptive attack beats the best standard
 *    white-box one (if one does, the white-box gradients are being masked).
 * Returns the extra outcomes at the nominal eps (stronger variants) for the worst case.
 */
export function runMaskingChecks(
  model: Classifier,
  x: Tensor,
  y: Int32Array,
  outcomes: AttackOutcome[],
  gen: Generator,
  batchSize: number,
  opts: CheckOptions,
  progress: (p: Progress) => void,
): { checks: MaskingCheck[]; extra: AttackOutcome[] } {
  const n = x.shape[0];
  const tol = opts.tolerance ?? Math.max(0.05, 3 / n);
  const checks: MaskingCheck[] = [];
  const extra: AttackOutcome[] = [];
  const acc = (o: AttackOutcome) => o.summary.accuracy;
  const run = (a: Attack) => runAttack(model, a, x, y, gen.fork(), batchSize, (done) => progress({ stage: 'check', name: a.name, done, total: n }));

  // 1. Epsilon sweep.
  const sweepBase = opts.epsAttack ?? outcomes.find((o) => o.attack.kind === 'white-box' && o.attack.stronger)?.attack ?? outcomes[0].attack;
  const baseOutcome = outcomes.find((o) => o.attack === sweepBase) ?? run(sweepBase);
  const big = coveringEps(sweepBase, x);
  const radii = opts.epsValues ?? [2, 4, 8].map((f) => f * sweepBase.eps).filter((e) => e < big).concat([big]);
  const sweep = [{ eps: sweepBase.eps, accuracy: acc(baseOutcome) }];
  for (const eps of radii) sweep.push({ eps, accuracy: acc(run(sweepBase.withEps(eps))) });
  // Radii below the nominal one are allowed: judge monotonicity in order of eps.
  sweep.sort((a, b) => a.eps - b.eps);
  const last = sweep[sweep.length - 1].accuracy;
  const maxAcc = opts.maxAccuracyAtLargeEps ?? 0.1;
  const rises = sweep.slice(1).filter((s, i) => s.accuracy > sweep[i].accuracy + tol).map((s) => s.eps);
  checks.push({
    name: 'accuracy-falls-with-eps',
    passed: last <= maxAcc && rises.length === 0,
    detail:
      last > maxAcc
        ? `${sweepBase.name} leaves ${(100 * last).toFixed(1)}% accuracy at eps=${sweep[sweep.length - 1].eps} (expected <= ${100 * maxAcc}%)`
        : rises.length > 0
          ? `accuracy rises with eps at eps=${rises.join(', ')}`
          : `accuracy falls to ${(100 * last).toFixed(1)}% at eps=${sweep[sweep.length - 1].eps}`,
    data: { attack: sweepBase.name, eps: sweep.map((s) => s.eps), accuracy: sweep.map((s) => s.accuracy) },
  });

  // 2. Stronger variants must not do worse.
  if (opts.stronger ?? true) {
    const worse: string[] = [];
    const pairs: (number | null)[] = [];
    for (const o of outcomes) {
      const strongerAttack = o.attack.stronger?.();
      if (!strongerAttack) continue;
      const s = run(strongerAttack);
      extra.push(s);
      pairs.push(acc(o), acc(s));
      if (acc(s) > acc(o) + tol) worse.push(`${strongerAttack.name}: ${(100 * acc(s)).toFixed(1)}% vs ${(100 * acc(o)).toFixed(1)}%`);
    }
    checks.push({
      name: 'stronger-attack-not-weaker',
      passed: worse.length === 0,
      detail: worse.length === 0 ? 'no stronger variant left more accuracy' : `stronger variants left more accuracy: ${worse.join('; ')}`,
      data: { accuracyBaseThenStronger: pairs },
    });
  }

  // 3. Standard white-box attacks must be the strongest.
  const standard = outcomes.filter((o) => o.attack.kind === 'white-box');
  const others = outcomes.filter((o) => o.attack.kind !== 'white-box');
  if (standard.length > 0 && others.length > 0) {
    const bestWhite = Math.min(...standard.map(acc));
    const beating = others.filter((o) => acc(o) < bestWhite - tol);
    const onlyOthers = y.reduce((count, _, i) => count + (others.some((o) => o.success[i]) && !standard.some((o) => o.success[i]) ? 1 : 0), 0);
    checks.push({
      name: 'white-box-beats-black-box',
      passed: beating.length === 0,
      detail:
        beating.length === 0
          ? `best standard white-box accuracy ${(100 * bestWhite).toFixed(1)}% is not beaten`
          : `${beating.map((o) => `${o.attack.name} (${o.attack.kind}) ${(100 * acc(o)).toFixed(1)}%`).join('; ')} beat the best standard white-box attack (${(100 * bestWhite).toFixed(1)}%): gradient masking`,
      data: { bestWhiteBoxAccuracy: bestWhite, brokenOnlyByNonStandard: onlyOthers, nonStandard: others.map((o) => o.attack.name).join(' | ') },
    });
  }
  return { checks, extra };
}
