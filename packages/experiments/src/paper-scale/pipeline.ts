import { existsSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { ValueError } from '@kwta/core';
import { writeJson } from '../files.js';
import { runTrain, type TrainSummary } from '../runs/train-run.js';
import { silentProgress, type ProgressFactory } from '../runs/progress.js';
import type { EpochRecord } from '@kwta/train';
import { measureBudget } from './budget.js';
import { studyPaths } from './paths.js';
import { modelsNeeded, runEvalStage } from './eval-stage.js';
import { StageClock, readLedger, writeLedger, type EpochNumbers, type Ledger } from './ledger.js';
import { writeStudyReport } from './report.js';
import { readRestored, restoreStudy } from './restore.js';
import { epochsOf, rampOf, twinSeed, type PaperScaleSettings } from './settings.js';
import { modelId, planStages, twinOf, type ModelKey, type Stage } from './stages.js';
import { prepareOutputDir } from '@kwta/nn/node';

/** What runStudy takes: where the study lives, its settings, and how to report. */
export interface StudyOptions {
  out: string;
  settings: PaperScaleSettings;
  /** Where the report (README.md, results.json, SVGs) goes (default `<out>/report`). */
  reportDir?: string;
  /** The command that continues this study, printed in the report. */
  command: string;
  progress?: ProgressFactory;
  /** Stop after this many stages of this sitting (the rest stays for the next); default all. */
  maxStages?: number;
  /** Only regenerate the report from what is saved. */
  reportOnly?: boolean;
  /**
   * Seed a new `out` from a report directory (its results.json and state/) before running: for a
   * study whose directory was lost. Finished stages keep their recorded results; the models the
   * remaining stages need are retrained from their seeds and must match the recorded training.
   */
  restoreFrom?: string;
  /** Receives one line per stage started or finished (default: silent). */
  log?: (line: string) => void;
}

/**
 * Run the study's stages in order, skipping the finished ones: each training stage checkpoints
 * inside epochs and each evaluation keeps per-example state after every batch, so a killed
 * sitting resumes where it stopped; the ledger records which stages finished and their wall
 * time over all sittings, and the report is regenerated from the saved state after every stage.
 */
export async function runStudy(o: StudyOptions): Promise<{ ledger: Ledger; readme: string }> {
  const s = o.settings;
  const paths = studyPaths(o.out);
  prepareOutputDir(o.out); // created and proven writable before any work
  if (o.restoreFrom !== undefined) restoreStudy(o.out, o.restoreFrom, s);
  const ledger = readLedger(paths.ledger, s);
  const stages = planStages(s);
  const reportDir = o.reportDir ?? join(o.out, 'report');
  const log = o.log ?? (() => {});
  const report = () => writeStudyReport({ out: o.out, reportDir, settings: s, stages, ledger, command: o.command });
  if (o.reportOnly) return { ledger, readme: await report() };
  let ran = 0;
  for (const stage of stages) {
    const record = (ledger.stages[stage.id] ??= { done: false, seconds: 0, sittings: 0 });
    if (record.done) continue;
    if (o.maxStages !== undefined && ran >= o.maxStages) break;
    if (stage.kind === 'eval') {
      for (const m of modelsNeeded(stage, paths.state(stage))) rebuildIfRestored(m, s, o.out, ledger, o.progress ?? silentProgress, log);
    }
    record.sittings++;
    record.load = loadavg();
    record.cores = cpus().length;
    const clock = new StageClock(paths.ledger, ledger, record);
    clock.tick(true);
    log(`stage ${stage.id}${record.sittings > 1 ? ` (sitting ${record.sittings}, resuming)` : ''}`);
    runStage(stage, s, paths, o.progress ?? silentProgress, () => clock.tick());
    record.done = true;
    record.finishedAt = new Date().toISOString();
    clock.tick(true);
    log(`stage ${stage.id} done in ${record.seconds.toFixed(0)} s`);
    ran++;
    await report();
  }
  return { ledger, readme: await report() };
}

/**
 * In a restored study, a finished model's weights are retrained from its seed before the first
 * evaluation that needs them (resumably: the run checkpoints as any training does), and the
 * retrained run must reproduce the recorded one exactly (every epoch's loss and training accuracy,
 * checked as each epoch ends, so a divergence stops it within an epoch rather than hours later;
 * then the held-out accuracy): otherwise the study stops rather than mix two different models' numbers.
 */
function rebuildIfRestored(m: ModelKey, s: PaperScaleSettings, out: string, ledger: Ledger, progress: ProgressFactory, log: (line: string) => void): void {
  const id = modelId(m), paths = studyPaths(out);
  const recorded = readRestored(out).get(id)?.train;
  if (!recorded) return; // trained in this directory
  const restore = ledger.restores!.at(-1)!, rebuild = restore.rebuilds[id];
  const mismatch = () => {
    const b = restore.rebuilds[id], d = b.divergedAt;
    const what = d
      ? `at epoch ${d.epoch + 1}: loss ${d.recorded.loss} recorded, ${d.retrained.loss} retrained; training accuracy ${d.recorded.trainAccuracy} recorded, ${d.retrained.trainAccuracy} retrained`
      : `held-out accuracy: recorded ${b.testAccuracy[0]}, retrained ${b.testAccuracy[1]}; every epoch's loss and training accuracy are compared too`;
    return new ValueError(`paper-scale: ${id} retrained from its seed differs from the recorded run (${what}): the engine's numbers changed since it was trained. Rerun the study from scratch in a new --out, or restore with the engine it was trained with.`);
  };
  if (rebuild?.matches === false) throw mismatch();
  if (rebuild?.matches && existsSync(join(paths.model(m), 'model.safetensors'))) return;
  log(`rebuilding ${id} from its seed (its weights are not in this restored study)`);
  const numbers = (e: EpochNumbers): EpochNumbers => ({ loss: e.loss, trainAccuracy: e.trainAccuracy });
  const differs = (a: EpochNumbers | undefined, b: EpochNumbers) => !a || a.loss !== b.loss || a.trainAccuracy !== b.trainAccuracy;
  let spent = 0; // the seconds of the epochs this call has trained, the diverging one included
  const stop = (retrained: EpochRecord) => {
    restore.rebuilds[id] = {
      seconds: spent, matches: false, testAccuracy: [recorded.testAccuracy, null], at: new Date().toISOString(),
      divergedAt: { epoch: retrained.epoch, recorded: numbers(recorded.history[retrained.epoch] ?? { loss: NaN, trainAccuracy: NaN }), retrained: numbers(retrained) },
    };
    writeLedger(paths.ledger, ledger);
    return mismatch();
  };
  const summary = trainModel(m, s, paths, progress, () => {}, (e) => {
    spent += e.seconds;
    if (differs(recorded.history[e.epoch], e)) throw stop(e);
    log(`rebuilding ${id}: epoch ${e.epoch + 1} of ${recorded.history.length} identical to the recorded run`);
  });
  const same = (a: TrainSummary['history'], b: TrainSummary['history']) => a.length === b.length && a.every((e, i) => !differs(b[i], e));
  restore.rebuilds[id] = {
    seconds: summary.history.reduce((a, e) => a + e.seconds, 0), matches: summary.testAccuracy === recorded.testAccuracy && same(summary.history, recorded.history),
    testAccuracy: [recorded.testAccuracy, summary.testAccuracy], at: new Date().toISOString(),
  };
  writeLedger(paths.ledger, ledger);
  if (!restore.rebuilds[id].matches) throw mismatch();
  log(`rebuilt ${id}: identical to the recorded training`);
}

/** Train (or resume training) one of the study's models into its run directory. */
function trainModel(m: ModelKey, s: PaperScaleSettings, paths: ReturnType<typeof studyPaths>, progress: ProgressFactory, tick: () => void, onEpoch?: (r: EpochRecord) => void): TrainSummary {
  const { activation, method, hidden } = m;
  const ticking: ProgressFactory = (label, total) => {
    const inner = progress(label, total);
    return { update: (done, status) => (tick(), inner.update(done, status)), stop: () => inner.stop() };
  };
  return runTrain({
    model: s.model, activation, method, dataset: s.dataset, epochs: epochsOf(s, method), batchSize: s.batchSize,
    optimizer: s.optimizer, lr: s.lr, momentum: s.momentum, weightDecay: 0, milestones: s.milestones, eps: s.eps, attackSteps: s.attackSteps,
    tradesBeta: s.tradesBeta, freeReplays: s.freeReplays, hidden, trainLimit: s.trainLimit, testLimit: s.pgdExamples, seed: m.twin ? twinSeed(s) : s.seed,
    out: paths.model(m), checkpointEvery: s.checkpointEvery, cropPadding: s.cropPadding || undefined, epsRampEpochs: method === 'natural' ? undefined : rampOf(s, method),
    progress: ticking, ...(onEpoch ? { onEpoch } : {}),
  });
}

function runStage(stage: Stage, s: PaperScaleSettings, paths: ReturnType<typeof studyPaths>, progress: ProgressFactory, tick: () => void): void {
  switch (stage.kind) {
    case 'budget':
      writeJson(paths.budget, measureBudget(s, s.budgetSteps));
      return;
    case 'train':
      trainModel(stage.model, s, paths, progress, tick);
      return;
    case 'eval':
      runEvalStage(stage, s, paths.model(stage.model), paths.state(stage), paths.report(stage), progress, tick, stage.attacks.includes('transfer') ? paths.model(twinOf(stage.model)) : undefined);
      return;
    default:
      throw new ValueError(`paper-scale: unknown stage ${JSON.stringify(stage)}`);
  }
}
