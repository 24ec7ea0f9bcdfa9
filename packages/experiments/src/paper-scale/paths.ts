import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readJsonFile } from '../files.js';
import type { Budget } from './budget.js';
import { modelId, type EvalStage, type ModelKey } from './stages.js';

/** Where everything of a study lives under its output directory. */
export const studyPaths = (out: string) => ({
  ledger: join(out, 'ledger.json'),
  budget: join(out, 'budget.json'),
  /** A model's run directory. */
  model: (m: ModelKey) => join(out, 'models', modelId(m)),
  /** An evaluation stage's per-example state file. */
  state: (stage: EvalStage) => join(out, 'evals', `${modelId(stage.model)}-${stage.set}.state.json`),
  /** An evaluation stage's finished report. */
  report: (stage: EvalStage) => join(out, 'evals', `${modelId(stage.model)}-${stage.set}.report.json`),
});

/** The saved budget, if the budget stage has run. */
export function readBudget(out: string): Budget | null {
  const path = studyPaths(out).budget;
  return existsSync(path) ? readJsonFile<Budget>(path) : null;
}
