import type { EvaluationState, UnitRecord } from './eval-state.js';
import type { MaskingCheck } from './report.js';

export type { CheckOptions } from './plan.js';

/**
 * The standard gradient-masking checks (Athalye et al. 2018; Carlini et al. 2019, "On
 * evaluating adversarial robustness"), computed from the per-example records, per target group:
 * 1. accuracy falls towards 0 as eps grows large, and never rises with eps;
 * 2. a stronger variant of an attack (more steps, restarts, queries) does not do worse;
 * 3. no black-box, transfer, gradient-free or adaptive attack beats the best standard
 *    white-box one (if one does, the white-box gradients are being masked). Ensembles
 *    (AutoAttack) mix kinds and stay out of it; their own Square check is in sanity.ts.
 */
export function maskingChecks(state: EvaluationState, accuracy: (u: UnitRecord) => number): MaskingCheck[] {
  const settings = state.fingerprint.checks;
  if (settings === false) return [];
  const n = state.slice.end - state.slice.start;
  const tol = settings.tolerance ?? Math.max(0.05, 3 / n);
  const units = state.units.filter((u) => !u.error);
  const byKey = new Map(units.map((u) => [u.key, u]));
  const checks: MaskingCheck[] = [];
  const groups = [...new Set(state.units.map((u) => u.target))];
  const pct = (v: number) => `${(100 * v).toFixed(1)}%`;
  for (const target of groups) {
    const where = target === null ? '' : ` (targets: ${target})`;
    const inGroup = units.filter((u) => u.target === target);
    const attacks = inGroup.filter((u) => u.role === 'attack');

    // 1. Epsilon sweep.
    const sweeps = inGroup.filter((u) => u.role === 'sweep' && u.base !== undefined);
    const base = sweeps.length > 0 ? byKey.get(sweeps[0].base!) : undefined;
    if (base) {
      const sweep = [{ eps: base.eps ?? Infinity, accuracy: accuracy(base) }, ...sweeps.map((u) => ({ eps: u.eps ?? Infinity, accuracy: accuracy(u) }))];
      // Radii below the nominal one are allowed: judge monotonicity in order of eps.
      sweep.sort((a, b) => a.eps - b.eps);
      const last = sweep[sweep.length - 1];
      const rises = sweep.slice(1).filter((s, i) => s.accuracy > sweep[i].accuracy + tol).map((s) => s.eps);
      checks.push({
        name: 'accuracy-falls-with-eps',
        passed: last.accuracy <= settings.maxAccuracyAtLargeEps && rises.length === 0,
        detail:
          (last.accuracy > settings.maxAccuracyAtLargeEps
            ? `${base.name} leaves ${pct(last.accuracy)} accuracy at eps=${last.eps} (expected <= ${100 * settings.maxAccuracyAtLargeEps}%)`
            : rises.length > 0
              ? `accuracy rises with eps at eps=${rises.join(', ')}`
              : `accuracy falls to ${pct(last.accuracy)} at eps=${last.eps}`) + where,
        data: { attack: base.name, eps: sweep.map((s) => s.eps), accuracy: sweep.map((s) => s.accuracy) },
      });
    }

    // 2. Stronger variants must not do worse.
    const stronger = inGroup.filter((u) => u.role === 'stronger' && byKey.has(u.base!));
    if (settings.stronger) {
      const worse: string[] = [];
      const pairs: number[] = [];
      for (const s of stronger) {
        const b = byKey.get(s.base!)!;
        pairs.push(accuracy(b), accuracy(s));
        if (accuracy(s) > accuracy(b) + tol) worse.push(`${s.name}: ${pct(accuracy(s))} vs ${pct(accuracy(b))}`);
      }
      checks.push({
        name: 'stronger-attack-not-weaker',
        passed: worse.length === 0,
        detail: (worse.length === 0 ? 'no stronger variant left more accuracy' : `stronger variants left more accuracy: ${worse.join('; ')}`) + where,
        data: { accuracyBaseThenStronger: pairs },
      });
    }

    // 3. Standard white-box attacks must be the strongest.
    const standard = attacks.filter((u) => u.kind === 'white-box');
    const others = attacks.filter((u) => u.kind !== 'white-box' && u.kind !== 'ensemble');
    if (standard.length > 0 && others.length > 0) {
      const bestWhite = Math.min(...standard.map(accuracy));
      const beating = others.filter((u) => accuracy(u) < bestWhite - tol);
      let onlyOthers = 0;
      for (let i = 0; i < n; i++) if (others.some((u) => u.success[i]) && !standard.some((u) => u.success[i])) onlyOthers++;
      checks.push({
        name: 'white-box-beats-black-box',
        passed: beating.length === 0,
        detail:
          (beating.length === 0
            ? `best standard white-box accuracy ${pct(bestWhite)} is not beaten`
            : `${beating.map((u) => `${u.name} (${u.kind}) ${pct(accuracy(u))}`).join('; ')} beat the best standard white-box attack (${pct(bestWhite)}): gradient masking`) + where,
        data: { bestWhiteBoxAccuracy: bestWhite, brokenOnlyByNonStandard: onlyOthers, nonStandard: others.map((u) => u.name).join(' | ') },
      });
    }
  }
  return checks;
}
