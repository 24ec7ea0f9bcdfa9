import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { reportOf, type EvaluationReport, type EvaluationState } from '@kwta/attacks';
import type { TrainSummary } from '../runs/train-run.js';
import { readJsonFile } from '../files.js';
import type { SuiteAttack } from '../paper/attack-suite.js';
import type { Ledger } from './ledger.js';
import { studyPaths } from './paths.js';
import { modelId, type ModelKey, type Stage } from './stages.js';

/** A measured count: `correct` of `n` examples. */
export interface Count {
  correct: number;
  n: number;
}

/** What the saved state says about one model: its training, clean and PGD on the PGD set, and the strong evaluation. */
export interface ModelResult {
  model: ModelKey;
  train: TrainSummary | null;
  pgdSet: { clean: Count; pgd: Count } | null;
  strong: {
    clean: Count;
    attacks: Partial<Record<SuiteAttack, Count>>;
    attackNames: Partial<Record<SuiteAttack, string>>;
    worstCase: Count;
    /** The worst case over `subset` of the attacks only (the width sweep's common set). */
    worstOver: (subset: readonly SuiteAttack[]) => Count;
    report: EvaluationReport;
    /**
     * The attacks still running or to run: empty once the evaluation is done. Until then the
     * counts are of the finished attacks, the worst cases are upper bounds, and the report has
     * no checks (they compare attacks that have not all run).
     */
    pending: SuiteAttack[];
  } | null;
}

const count = (fraction: number, n: number): Count => ({ correct: Math.round(fraction * n), n });

/** Gather every model's saved results: finished stages, and the finished attacks of a strong evaluation under way. */
export function collectResults(out: string, stages: readonly Stage[], ledger: Ledger): ModelResult[] {
  const done = (id: string) => ledger.stages[id]?.done === true;
  const paths = studyPaths(out);
  const models = new Map<string, ModelResult>();
  for (const stage of stages) {
    if (stage.kind === 'budget') continue;
    const id = modelId(stage.model);
    const r = models.get(id) ?? { model: stage.model, train: null, pgdSet: null, strong: null };
    models.set(id, r);
    if (!done(stage.id)) continue;
    if (stage.kind === 'train') {
      const path = join(paths.model(stage.model), 'train.json');
      if (existsSync(path)) r.train = readJsonFile<TrainSummary>(path);
      continue;
    }
    if (stage.set === 'pgd') {
      const report = readJsonFile<EvaluationReport>(paths.report(stage));
      r.pgdSet = { clean: count(report.cleanAccuracy, report.examples), pgd: count(report.attacks[0].accuracy, report.examples) };
      continue;
    }
    r.strong = strongResult(stage, readJsonFile<EvaluationState>(paths.state(stage)), readJsonFile<EvaluationReport>(paths.report(stage)));
  }
  // A strong evaluation under way shows what its finished attacks found.
  for (const stage of stages) {
    if (stage.kind !== 'eval' || stage.set !== 'strong' || done(stage.id) || !existsSync(paths.state(stage))) continue;
    const partial = partialStrong(stage, readJsonFile<EvaluationState>(paths.state(stage)));
    if (partial) models.get(modelId(stage.model))!.strong = partial;
  }
  // Without a separate PGD set, the strong evaluation's clean pass and PGD are the PGD set's.
  for (const r of models.values()) if (!r.pgdSet && r.strong?.attacks.pgd) r.pgdSet = { clean: r.strong.clean, pgd: r.strong.attacks.pgd };
  return [...models.values()];
}

type EvalStage = Extract<Stage, { kind: 'eval' }>;

/** A strong evaluation's counts from its state and report; attacks of `pending` have not finished (their units are ignored). */
function strongResult(stage: EvalStage, state: EvaluationState, report: EvaluationReport, pending: SuiteAttack[] = []): NonNullable<ModelResult['strong']> {
  const n = report.examples;
  const attackUnits = state.units.filter((u) => u.role === 'attack');
  const attacks: Partial<Record<SuiteAttack, Count>> = {}, attackNames: Partial<Record<SuiteAttack, string>> = {};
  stage.attacks.forEach((name, i) => {
    const summary = report.attacks.find((a) => a.name === attackUnits[i].name);
    if (summary) attacks[name] = count(summary.accuracy, n);
    attackNames[name] = attackUnits[i].name;
  });
  const correct = state.clean!.correct;
  return {
    clean: count(report.cleanAccuracy, n), attacks, attackNames, worstCase: count(report.robustAccuracy, n), report, pending,
    worstOver: (subset) => {
      const units = stage.attacks.map((name, i) => (subset.includes(name) && !pending.includes(name) && !attackUnits[i].error ? attackUnits[i] : null)).filter((u) => u !== null);
      return { correct: correct.filter((c, i) => c && units.every((u) => !u.success[i])).length, n };
    },
  };
}

/** What an unfinished strong evaluation has found so far: null before its clean pass and first finished attack. */
function partialStrong(stage: EvalStage, state: EvaluationState): NonNullable<ModelResult['strong']> | null {
  const n = state.slice.end - state.slice.start;
  const finished = (u: EvaluationState['units'][number]) => u.error !== undefined || u.done === n;
  const attackUnits = state.units.filter((u) => u.role === 'attack');
  if (!state.clean || !attackUnits.some((u) => finished(u) && u.error === undefined)) return null;
  const pending = stage.attacks.filter((_, i) => !finished(attackUnits[i]));
  const report: EvaluationReport = { ...reportOf({ ...state, units: state.units.filter((u) => u.role === 'attack' && finished(u)) }), checks: [], flags: [] };
  return strongResult(stage, state, report, pending);
}
