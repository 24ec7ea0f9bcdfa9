import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { ValueError } from '@kwta/core';
import { writeJson } from '../files.js';
import { runTrain } from '../runs/train-run.js';
import { silentProgress, type ProgressFactory } from '../runs/progress.js';
import { measureBudget } from './budget.js';
import { studyPaths } from './paths.js';
import { runEvalStage } from './eval-stage.js';
import { StageClock, readLedger, type Ledger } from './ledger.js';
import { writeStudyReport } from './report.js';
import { epochsOf, rampOf, twinSeed, type PaperScaleSettings } from './settings.js';
import { planStages, twinOf, type Stage } from './stages.js';
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

function runStage(stage: Stage, s: PaperScaleSettings, paths: ReturnType<typeof studyPaths>, progress: ProgressFactory, tick: () => void): void {
  switch (stage.kind) {
    case 'budget':
      writeJson(paths.budget, measureBudget(s, s.budgetSteps));
      return;
    case 'train': {
      const { activation, method, hidden } = stage.model;
      const bar = progress;
      const ticking: ProgressFactory = (label, total) => {
        const inner = bar(label, total);
        return { update: (done, status) => (tick(), inner.update(done, status)), stop: () => inner.stop() };
      };
      runTrain({
        model: s.model, activation, method, dataset: s.dataset, epochs: epochsOf(s, method), batchSize: s.batchSize,
        optimizer: s.optimizer, lr: s.lr, momentum: s.momentum, weightDecay: 0, milestones: s.milestones, eps: s.eps, attackSteps: s.attackSteps,
        tradesBeta: s.tradesBeta, freeReplays: s.freeReplays, hidden, trainLimit: s.trainLimit, testLimit: s.pgdExamples, seed: stage.model.twin ? twinSeed(s) : s.seed,
        out: paths.model(stage.model), checkpointEvery: s.checkpointEvery, cropPadding: s.cropPadding || undefined, epsRampEpochs: method === 'natural' ? undefined : rampOf(s, method),
        progress: ticking,
      });
      return;
    }
    case 'eval':
      runEvalStage(stage, s, paths.model(stage.model), paths.state(stage), paths.report(stage), progress, tick, stage.attacks.includes('transfer') ? paths.model(twinOf(stage.model)) : undefined);
      return;
    default:
      throw new ValueError(`paper-scale: unknown stage ${JSON.stringify(stage)}`);
  }
}
