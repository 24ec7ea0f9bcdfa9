import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { Generator, ValueError, tensor, type Tensor } from '@kwta/core';
import { reportOf, type Classifier, type EvaluationReport, type EvaluationState } from '@kwta/attacks';
import { evaluateWithStateFile } from '@kwta/attacks/node';
import { buildSuite, type SuiteAttack } from '../paper/attack-suite.js';
import { readJsonFile, writeJson } from '../files.js';
import { loadDataset } from '../runs/datasets.js';
import { silentProgress, type Progress, type ProgressFactory } from '../runs/progress.js';
import { loadRun } from '../runs/run-dir.js';
import type { PaperScaleSettings } from './settings.js';
import { twinOf, type EvalStage, type ModelKey } from './stages.js';
import { makeDirectory } from '@kwta/nn/node';

/** The first `n` held-out digits, the same for every model. */
export function heldOut(s: PaperScaleSettings, n: number): { images: Tensor; labels: Int32Array } {
  const ds = loadDataset(s.dataset, 'test', n);
  return { images: tensor(ds.images, [ds.labels.length, ...ds.shape.slice(1)]), labels: ds.labels };
}

/** Whether the saved state at `statePath` says the stage's `attack` has finished (run to the end, or failed). */
export function attackFinished(stage: EvalStage, statePath: string, attack: SuiteAttack): boolean {
  const i = stage.attacks.indexOf(attack);
  if (i < 0 || !existsSync(statePath)) return false;
  const state = readJsonFile<EvaluationState>(statePath);
  const unit = state.units.filter((u) => u.role === 'attack')[i];
  return unit !== undefined && (unit.error !== undefined || unit.done === state.slice.end - state.slice.start);
}

/** The models an evaluation still needs: its own, and its twin until the transfer attack has finished. */
export function modelsNeeded(stage: EvalStage, statePath: string): ModelKey[] {
  return stage.attacks.includes('transfer') && !attackFinished(stage, statePath, 'transfer') ? [stage.model, twinOf(stage.model)] : [stage.model];
}

/** Stands in for the twin once the transfer attack has finished: the harness skips finished attacks, so it is never called. */
const finishedSource: Classifier = () => {
  throw new ValueError('paper-scale: the transfer attack has finished; its source model was not loaded');
};

/**
 * Evaluate a trained model with the stage's attacks, its per-example state kept in `statePath`
 * (rewritten after every batch: a kill loses at most one batch of one attack, and the next call
 * continues from there). Writes the finished report beside it. `onBatch` is called after every
 * batch (the stage clock ticks there). `twinDir`: the run directory of the model's independently
 * trained twin, the transfer attack's source (needed when the stage runs it, and loaded only
 * while the attack has not finished).
 */
export function runEvalStage(stage: EvalStage, s: PaperScaleSettings, runDir: string, statePath: string, reportPath: string, progress: ProgressFactory = silentProgress, onBatch: () => void = () => {}, twinDir?: string): EvaluationReport {
  makeDirectory(dirname(statePath));
  const { model } = loadRun(runDir);
  // A finished transfer attack needs no twin (a restored study then need not retrain it).
  const twin = twinDir === undefined || attackFinished(stage, statePath, 'transfer') ? undefined : loadRun(twinDir).model;
  const { images, labels } = heldOut(s, stage.examples);
  const attacks = buildSuite(stage.attacks, model, s.eps, s.budget, twin ?? (twinDir === undefined ? undefined : finishedSource));
  const ownBatch = new Map(attacks.map((a, k) => [a, s.attackBatchSizes[stage.attacks[k]]]));
  let bar: Progress | null = null, barName = '';
  try {
    const state: EvaluationState = evaluateWithStateFile(model, images, labels, statePath, {
      attacks, gen: new Generator(s.seed), batchSize: s.evalBatchSize, batchSizeOf: (a) => ownBatch.get(a),
      checks: stage.set === 'strong' ? { stronger: s.checks.stronger, ...(s.checks.epsValues ? { epsValues: s.checks.epsValues } : {}) } : false,
      onProgress: (p) => {
        if (p.name !== barName) {
          bar?.stop();
          barName = p.name;
          bar = progress(`${stage.id}: ${p.name}`, p.total);
        }
        if (p.detail !== undefined) bar!.note?.(p.detail);
        else bar!.update(p.done, p.status);
      },
      onState: () => onBatch(),
    });
    const report = reportOf(state);
    writeJson(reportPath, report);
    return report;
  } finally {
    (bar as Progress | null)?.stop();
    images.dispose();
    model.dispose();
    twin?.dispose();
  }
}
