import { dirname } from 'node:path';
import { Generator, tensor, type Tensor } from '@kwta/core';
import { reportOf, type EvaluationReport, type EvaluationState } from '@kwta/attacks';
import { evaluateWithStateFile } from '@kwta/attacks/node';
import { buildSuite } from '../paper/attack-suite.js';
import { writeJson } from '../files.js';
import { loadDataset } from '../runs/datasets.js';
import { silentProgress, type Progress, type ProgressFactory } from '../runs/progress.js';
import { loadRun } from '../runs/run-dir.js';
import type { PaperScaleSettings } from './settings.js';
import type { Stage } from './stages.js';
import { makeDirectory } from '@kwta/nn/node';

export type EvalStage = Extract<Stage, { kind: 'eval' }>;

/** The first `n` held-out digits, the same for every model. */
export function heldOut(s: PaperScaleSettings, n: number): { images: Tensor; labels: Int32Array } {
  const ds = loadDataset(s.dataset, 'test', n);
  return { images: tensor(ds.images, [ds.labels.length, ...ds.shape.slice(1)]), labels: ds.labels };
}

/**
 * Evaluate a trained model with the stage's attacks, its per-example state kept in `statePath`
 * (rewritten after every batch: a kill loses at most one batch of one attack, and the next call
 * continues from there). Writes the finished report beside it. `onBatch` is called after every
 * batch (the stage clock ticks there). `twinDir`: the run directory of the model's independently
 * trained twin, the transfer attack's source (needed when the stage runs it).
 */
export function runEvalStage(stage: EvalStage, s: PaperScaleSettings, runDir: string, statePath: string, reportPath: string, progress: ProgressFactory = silentProgress, onBatch: () => void = () => {}, twinDir?: string): EvaluationReport {
  makeDirectory(dirname(statePath));
  const { model } = loadRun(runDir);
  const twin = twinDir === undefined ? undefined : loadRun(twinDir).model;
  const { images, labels } = heldOut(s, stage.examples);
  const attacks = buildSuite(stage.attacks, model, s.eps, s.budget, twin);
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
        bar!.update(p.done);
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
