import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { reportOf, type AttackSummary, type Check, type EnsembleLogEntry, type EvaluationReport, type EvaluationState, type FinalCheck } from '@kwta/attacks';
import type { TrainSummary } from '../runs/train-run.js';
import { readJsonFile } from '../files.js';
import type { SuiteAttack } from '../paper/attack-suite.js';
import type { Ledger } from './ledger.js';
import { studyPaths } from './paths.js';
import { readRestored } from './restore.js';
import type { PaperScaleSettings } from './settings.js';
import { modelId, type EvalStage, type ModelKey, type Stage } from './stages.js';

/** A measured count: `correct` of `n` examples. */
export interface Count {
  correct: number;
  n: number;
}

/** What one attack cost on the strong set (its report's figures): compute time over every sitting, and model calls per digit. */
export type AttackCost = Pick<AttackSummary, 'seconds' | 'meanForwards' | 'meanGradients'>;

/** What the report keeps of a training run: held-out accuracy, time and the per-epoch history. */
export type TrainRecord = Pick<TrainSummary, 'testAccuracy' | 'seconds' | 'history'>;

/** A strong evaluation's findings, as plain data (what results.json holds, and what a restored study reads back). */
export interface StrongResult {
  clean: Count;
  attacks: Partial<Record<SuiteAttack, Count>>;
  attackNames: Partial<Record<SuiteAttack, string>>;
  worstCase: Count;
  /** The worst case over the width sweep's attacks only (its common set). */
  sweepWorstCase: Count;
  /**
   * Per attack, the digits it broke and no other attack of the set did (the worst case without
   * it would be that many higher); null while the evaluation is under way.
   */
  onlyBrokenBy: Partial<Record<SuiteAttack, number>> | null;
  checks: Check[];
  flags: string[];
  /** AutoAttack's cumulative log (robust accuracy after each member) and its final check, when it ran. */
  autoAttack: { log: EnsembleLogEntry[]; finalCheck: FinalCheck | null } | null;
  /** Per finished attack, what it cost (absent from results recorded before costs were kept). */
  cost?: Partial<Record<SuiteAttack, AttackCost>>;
  /**
   * The attacks still running or to run: empty once the evaluation is done. Until then the
   * counts are of the finished attacks, the worst cases are upper bounds, and there are no
   * checks (they compare attacks that have not all run).
   */
  pending: SuiteAttack[];
  /**
   * Per attack under way that has finished some digits: its accuracy on those (the first `n` of
   * the set, correct and unbroken by it). The worst case counts what it broke there. Absent once
   * the evaluation is done, and from results recorded before partial attacks were shown.
   */
  partial?: Partial<Record<SuiteAttack, Count>>;
  /**
   * Per attack that failed, its error: its column says so, and the worst case (over the attacks
   * that ran) is an upper bound. Absent from results recorded before failures were kept.
   */
  failed?: Partial<Record<SuiteAttack, string>>;
}

/** What the study knows about one model: its training, clean and PGD on the PGD set, and the strong evaluation. */
export interface ModelResult {
  model: ModelKey;
  train: TrainRecord | null;
  pgdSet: { clean: Count; pgd: Count } | null;
  strong: StrongResult | null;
}

const count = (fraction: number, n: number): Count => ({ correct: Math.round(fraction * n), n });

/**
 * Gather every model's results: finished stages and the finished attacks of a strong evaluation
 * under way, from the saved state; a finished stage whose files are gone (a study restored from
 * its committed report) from the results recorded there.
 */
export function collectResults(out: string, s: PaperScaleSettings, stages: readonly Stage[], ledger: Ledger): ModelResult[] {
  const done = (id: string) => ledger.stages[id]?.done === true;
  const paths = studyPaths(out);
  const restored = readRestored(out);
  const models = new Map<string, ModelResult>();
  for (const stage of stages) {
    if (stage.kind === 'budget') continue;
    const id = modelId(stage.model);
    const r = models.get(id) ?? { model: stage.model, train: null, pgdSet: null, strong: null };
    models.set(id, r);
    if (!done(stage.id)) continue;
    const recorded = restored.get(id);
    if (stage.kind === 'train') {
      const path = join(paths.model(stage.model), 'train.json');
      // A model retrained after a restore matched its recorded run; the record keeps the original timings.
      r.train = recorded?.train ?? (existsSync(path) ? trainRecord(readJsonFile<TrainSummary>(path)) : null);
      continue;
    }
    if (!existsSync(paths.report(stage)) && recorded) {
      if (stage.set === 'pgd') r.pgdSet = recorded.pgdSet;
      else r.strong = recorded.strong;
      continue;
    }
    if (stage.set === 'pgd') {
      const report = readJsonFile<EvaluationReport>(paths.report(stage));
      r.pgdSet = { clean: count(report.cleanAccuracy, report.examples), pgd: count(report.attacks[0].accuracy, report.examples) };
      continue;
    }
    r.strong = strongResult(stage, s, readJsonFile<EvaluationState>(paths.state(stage)), readJsonFile<EvaluationReport>(paths.report(stage)));
  }
  // A strong evaluation under way shows what its finished attacks found.
  for (const stage of stages) {
    if (stage.kind !== 'eval' || stage.set !== 'strong' || done(stage.id) || !existsSync(paths.state(stage))) continue;
    const partial = partialStrong(stage, s, readJsonFile<EvaluationState>(paths.state(stage)));
    if (partial) models.get(modelId(stage.model))!.strong = partial;
  }
  // Without a separate PGD set, the strong evaluation's clean pass and PGD are the PGD set's.
  for (const r of models.values()) if (!r.pgdSet && r.strong?.attacks.pgd) r.pgdSet = { clean: r.strong.clean, pgd: r.strong.attacks.pgd };
  return [...models.values()];
}

const trainRecord = (t: TrainSummary): TrainRecord => ({ testAccuracy: t.testAccuracy, seconds: t.seconds, history: t.history });

/** A strong evaluation's findings from its state and report; attacks of `pending` have not finished (their units are ignored). */
function strongResult(stage: EvalStage, s: PaperScaleSettings, state: EvaluationState, report: EvaluationReport, pending: SuiteAttack[] = []): StrongResult {
  const n = report.examples;
  const attackUnits = state.units.filter((u) => u.role === 'attack');
  const attacks: Partial<Record<SuiteAttack, Count>> = {}, attackNames: Partial<Record<SuiteAttack, string>> = {}, cost: Partial<Record<SuiteAttack, AttackCost>> = {};
  const failed: Partial<Record<SuiteAttack, string>> = {};
  stage.attacks.forEach((name, i) => {
    const u = attackUnits[i];
    if (u.error !== undefined) failed[name] = u.error;
    const summary = report.attacks.find((a) => a.name === u.name);
    attackNames[name] = u.name;
    if (!summary) return;
    attacks[name] = count(summary.accuracy, n);
    cost[name] = { seconds: summary.seconds, meanForwards: summary.meanForwards, meanGradients: summary.meanGradients };
  });
  const correct = state.clean!.correct;
  // The digits correct on the clean input and unbroken by every attack of `subset`: by each
  // finished one, and by each one under way on the digits it has reached (so, while it runs, an
  // upper bound that only falls).
  const worstOver = (subset: readonly SuiteAttack[]): number => {
    const units = stage.attacks.map((name, i) => (subset.includes(name) && !attackUnits[i].error ? attackUnits[i] : null)).filter((u) => u !== null);
    return correct.filter((c, i) => c && units.every((u) => i >= u.done || !u.success[i])).length;
  };
  const partial: Partial<Record<SuiteAttack, Count>> = {};
  stage.attacks.forEach((name, i) => {
    const u = attackUnits[i];
    if (pending.includes(name) && u.done > 0 && !u.error) partial[name] = { correct: correct.filter((c, j) => c && j < u.done && !u.success[j]).length, n: u.done };
  });
  const ran = s.strongAttacks.filter((a) => attacks[a]);
  const all = worstOver(ran);
  const aa = report.attacks.find((a) => a.log);
  return {
    clean: count(report.cleanAccuracy, n), attacks, attackNames, worstCase: pending.length ? { correct: worstOver(s.strongAttacks), n } : count(report.robustAccuracy, n),
    sweepWorstCase: { correct: worstOver(s.sweepAttacks), n },
    onlyBrokenBy: pending.length ? null : Object.fromEntries(ran.map((a) => [a, worstOver(ran.filter((b) => b !== a)) - all])),
    checks: report.checks, flags: report.flags, autoAttack: aa?.log ? { log: aa.log, finalCheck: aa.finalCheck ?? null } : null, cost, pending, failed,
    ...(Object.keys(partial).length ? { partial } : {}),
  };
}

/** What an unfinished strong evaluation has found so far: null before its clean pass and first finished attack. */
function partialStrong(stage: EvalStage, s: PaperScaleSettings, state: EvaluationState): StrongResult | null {
  const n = state.slice.end - state.slice.start;
  const finished = (u: EvaluationState['units'][number]) => u.error !== undefined || u.done === n;
  const attackUnits = state.units.filter((u) => u.role === 'attack');
  if (!state.clean || !attackUnits.some((u) => finished(u) && u.error === undefined)) return null;
  const pending = stage.attacks.filter((_, i) => !finished(attackUnits[i]));
  const report: EvaluationReport = { ...reportOf({ ...state, units: state.units.filter((u) => u.role === 'attack' && finished(u)) }), checks: [], flags: [] };
  return strongResult(stage, s, state, report, pending);
}
