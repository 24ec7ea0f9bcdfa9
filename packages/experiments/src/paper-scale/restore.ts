import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { ValueError } from '@kwta/core';
import { makeDirectory, writeFileAtomic } from '@kwta/nn/node';
import { readJsonFile, writeJson } from '../files.js';
import type { Budget } from './budget.js';
import { writeLedger, type Ledger, type Restore, type StageRecord } from './ledger.js';
import { modelsNeeded } from './eval-stage.js';
import { studyPaths } from './paths.js';
import type { ModelResult } from './results.js';
import type { PaperScaleSettings } from './settings.js';
import { modelId, planStages, type EvalStage, type Stage } from './stages.js';

/*
 * A study spans many sittings, and its directory (models, evaluation states) may not survive a
 * change of machine. Its committed report is what does: results.json holds every finished
 * stage's results and wall time, and `state/` beside it the per-example state of the evaluation
 * under way. Restoring seeds a new study directory from them; the weights the remaining stages
 * need are retrained from their seeds (deterministic: the pipeline checks the retrained run
 * against the recorded one before it evaluates with it).
 */

/** In a report directory: the evaluation states of stages under way, copied there with every report. */
export const STATE_DIR = 'state';

/** Copy through the project's one writer, so a kill leaves the old state file or the new one, never half of it. */
const copyState = (from: string, to: string): void => writeFileAtomic(to, readFileSync(from));

/** In a restored study directory: the models' results as the report recorded them. */
const RESTORED_FILE = 'restored.json';

/** The part of results.json a restore reads. */
interface SavedResults {
  settings: unknown;
  stages: ({ id: string } & Partial<StageRecord>)[];
  budget: Budget | null;
  models: ModelResult[];
  /** The restores before this one (absent in reports written before restores were recorded). */
  restores?: Restore[];
}

/** The results a restored study's report recorded, by model id (empty for a study that was never restored). */
export function readRestored(out: string): Map<string, ModelResult> {
  const path = join(out, RESTORED_FILE);
  if (!existsSync(path)) return new Map();
  const models = readJsonFile<{ models: ModelResult[] }>(path).models;
  // Reports written before AutoAttack's log was kept in results.json lack it.
  return new Map(models.map((m) => [modelId(m.model), m.strong ? { ...m, strong: { ...m.strong, autoAttack: m.strong.autoAttack ?? null } } : m]));
}

/** A model a restored study must retrain before an evaluation can use it. */
export interface Retrain {
  id: string;
  /** Its training stage's recorded wall time. */
  seconds: number;
}

/**
 * In a restored study, the models its unfinished evaluations still need and that are not yet
 * retrained here (the pipeline retrains each from its seed before the first evaluation that needs
 * it), with their recorded training time: work the plan, which counts each training once, leaves out.
 */
export function retrainsAhead(out: string, stages: readonly Stage[], ledger: Ledger): Retrain[] {
  const restored = readRestored(out), paths = studyPaths(out), restore = ledger.restores?.at(-1);
  if (!restored.size || !restore) return [];
  const ahead = new Map<string, number>();
  for (const st of stages) {
    if (st.kind !== 'eval' || ledger.stages[st.id]?.done) continue;
    for (const m of modelsNeeded(st, paths.state(st))) {
      const id = modelId(m), train = restored.get(id)?.train;
      const rebuilt = restore.rebuilds[id]?.matches === true && existsSync(join(paths.model(m), 'model.safetensors'));
      // The training stage's wall time over all its sittings (train.seconds is its last sitting's).
      if (train && !rebuilt) ahead.set(id, ledger.stages[`train ${id}`]?.seconds ?? train.history.reduce((a, e) => a + e.seconds, 0));
    }
  }
  return [...ahead].map(([id, seconds]) => ({ id, seconds }));
}

/**
 * Seed the study directory `out` (which must hold no study yet) from the report in `from`: the
 * ledger (finished stages, wall times so far), the budget, the recorded results and the saved
 * states of evaluations under way. A report written for other settings is refused.
 */
export function restoreStudy(out: string, from: string, settings: PaperScaleSettings): Ledger {
  const paths = studyPaths(out);
  if (existsSync(paths.ledger)) throw new ValueError(`paper-scale: ${out} already holds a study (${paths.ledger}); restore into a new --out`);
  const resultsPath = join(from, 'results.json');
  if (!existsSync(resultsPath)) throw new ValueError(`paper-scale: nothing to restore from: ${resultsPath} does not exist`);
  const saved = readJsonFile<SavedResults>(resultsPath);
  if (!Array.isArray(saved.stages) || !Array.isArray(saved.models)) throw new ValueError(`paper-scale: ${resultsPath} is not a study's results (no stages or models)`);
  if (JSON.stringify(saved.settings) !== JSON.stringify(settings)) {
    throw new ValueError(`paper-scale: ${resultsPath} was written for other settings; restore with the same preset (its settings: ${JSON.stringify(saved.settings)})`);
  }
  const stages: Record<string, StageRecord> = {};
  for (const { id, ...record } of saved.stages) if (record.sittings) stages[id] = record as StageRecord;
  makeDirectory(join(out, 'evals'));
  if (saved.budget) writeJson(paths.budget, saved.budget);
  writeJson(join(out, RESTORED_FILE), { format: 'kwta-paper-scale-restored-1', from, models: saved.models });
  // The evaluations under way: each resumes from the state the report carried, or starts again.
  const stateDir = join(from, STATE_DIR);
  const underWay = planStages(settings).filter((st): st is EvalStage => st.kind === 'eval' && stages[st.id] !== undefined && !stages[st.id].done);
  const carried = (st: EvalStage) => existsSync(join(stateDir, basename(paths.state(st))));
  for (const st of underWay.filter(carried)) copyState(join(stateDir, basename(paths.state(st))), paths.state(st));
  const restore: Restore = {
    dir: from, at: new Date().toISOString(), resumed: underWay.filter(carried).map((st) => st.id), restarted: underWay.filter((st) => !carried(st)).map((st) => st.id), rebuilds: {},
  };
  const ledger: Ledger = { format: 'kwta-paper-scale-ledger-1', settings, stages, restores: [...(saved.restores ?? []), restore] };
  writeLedger(paths.ledger, ledger);
  return ledger;
}

/**
 * Keep `reportDir/state/` equal to the saved states of the evaluations under way (a finished
 * stage's results are in results.json), so that a committed report can restore the study.
 */
export function copyStatesUnderWay(out: string, reportDir: string, stages: readonly Stage[], ledger: Ledger): void {
  const paths = studyPaths(out);
  const underWay = stages.filter((st): st is EvalStage => st.kind === 'eval' && !ledger.stages[st.id]?.done && existsSync(paths.state(st))).map((st) => paths.state(st));
  const dir = join(reportDir, STATE_DIR);
  const keep = new Set(underWay.map((p) => basename(p)));
  if (existsSync(dir)) for (const file of readdirSync(dir)) if (!keep.has(file)) rmSync(join(dir, file));
  if (!underWay.length) {
    if (existsSync(dir)) rmSync(dir, { recursive: true });
    return;
  }
  makeDirectory(dir);
  for (const path of underWay) copyState(path, join(dir, basename(path)));
}
