import { ValueError } from '@kwta/core';
import type { EvaluationState, UnitRecord } from './eval-state.js';
import { maskingChecks } from './masking-checks.js';
import type { AttackSummary, EvaluationReport } from './report.js';
import { sanityChecks } from './sanity.js';

/**
 * The report of a finished evaluation state. Everything is computed from the per-example
 * records in example order, so a merged state of shards gives exactly the single run's report
 * (the times aside). Attacks that failed appear only in `failures` (and a flag).
 */
export function reportOf(state: EvaluationState): EvaluationReport {
  const clean = state.clean;
  const n = state.slice.end - state.slice.start;
  if (!clean) throw new ValueError('reportOf: the evaluation has not run its clean pass yet');
  const unfinished = state.units.filter((u) => !u.error && u.done !== n);
  if (unfinished.length > 0) throw new ValueError(`reportOf: ${unfinished.length} runs are unfinished (${unfinished[0].name} at ${unfinished[0].done}/${n}); resume the evaluation first`);
  const correct = clean.correct;
  const ok = state.units.filter((u) => !u.error);
  // Untargeted attacks count examples wrong from the start as successes; a targeted run does not
  // (its success is reaching the target), so there robust means correct and not sent to the target.
  const accuracy = (u: UnitRecord) => u.success.reduce((c, s, i) => c + (!s && (u.target === null || correct[i]) ? 1 : 0), 0) / n;
  const listed = ok.filter((u) => u.role !== 'sweep');
  const robust = correct.map((c, i) => c && listed.every((u) => !u.success[i]));
  const attacks = ok.filter((u) => u.role === 'attack');
  const strongest = attacks.reduce<UnitRecord | null>((a, b) => (a === null || accuracy(b) < accuracy(a) ? b : a), null);
  const checks = [...maskingChecks(state, accuracy), ...sanityChecks(state)];
  const failures = state.units.filter((u) => u.error).map((u) => ({ attack: u.name, error: u.error! }));
  return {
    examples: n,
    cleanAccuracy: correct.filter(Boolean).length / n,
    attacks: listed.map((u) => summarise(u, accuracy(u), correct)),
    robustAccuracy: robust.filter(Boolean).length / n,
    strongestAttack: strongest?.name ?? null,
    robust,
    checks,
    flags: [...checks.filter((c) => !c.passed).map((c) => `${c.name}: ${c.detail}`), ...failures.map((f) => `attack failed: ${f.attack}: ${f.error}`)],
    failures,
  };
}

function summarise(u: UnitRecord, accuracy: number, correct: boolean[]): AttackSummary {
  const n = u.success.length;
  const sum = (v: number[]) => v.reduce((a, b) => a + b, 0);
  const broken = u.norms.filter((_, i) => u.success[i]).map((v) => v ?? Infinity);
  const summary: AttackSummary = {
    name: u.name,
    kind: u.kind,
    eps: u.eps,
    norm: u.norm,
    target: u.target,
    accuracy,
    targetRate: u.target === null ? null : u.success.filter(Boolean).length / n,
    meanNorm: broken.length > 0 ? finite(sum(broken) / broken.length) : null,
    meanForwards: sum(u.forwards) / n,
    meanGradients: sum(u.grads) / n,
    seconds: u.seconds,
  };
  if (u.members && u.brokenBy) {
    const brokenBy = u.brokenBy;
    summary.log = u.members.map((attack, k) => ({
      attack,
      robustAccuracy: brokenBy.reduce((c, b, i) => c + (correct[i] && !(b >= 0 && b <= k) ? 1 : 0), 0) / n,
      seconds: u.memberSeconds?.[k] ?? 0,
    }));
    // Norms are finite for every finished attack (a NaN or out-of-set result fails in the attack's own final check).
    const maxPerturbation = u.norms.reduce<number>((m, v) => Math.max(m, v ?? 0), 0);
    summary.finalCheck = { maxPerturbation, eps: u.eps, norm: u.norm, passed: maxPerturbation <= (u.eps ?? Infinity) };
  }
  return summary;
}

const finite = (v: number): number | null => (Number.isFinite(v) ? v : null);
