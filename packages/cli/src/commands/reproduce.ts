import { join } from 'node:path';
import { DEFAULT_ATTACK_SETTINGS } from '../attacks.js';
import { formatEvalTable, runEval, type EvalSummary } from './eval.js';
import { runReport } from './report.js';
import { runTrain, type TrainCommandOptions } from './train.js';

export interface ReproduceOptions {
  out: string;
  /** The larger setting: the paper's hidden width 20000, more epochs, 1000 examples, stronger checks. */
  full: boolean;
  seed: number;
  quiet?: boolean;
  /** Overrides for tests (fewer examples, epochs, a narrower model). */
  examples?: number;
  epochs?: number;
  hidden?: number;
  trainLimit?: number;
  eotSteps?: number;
  queries?: number;
}

/**
 * The main job: train the MNIST CNN with ReLU and with k-WTA-0.1 (natural training) on the
 * embedded 10,000 MNIST digits, attack both with the paper's PGD (eps 0.3, 20 steps of 0.03,
 * random start) and the adaptive attacks (gradient estimation, BPDA, Square), print the table
 * and write the report with its plots.
 */
export async function runReproduce(o: ReproduceOptions): Promise<{ summaries: EvalSummary[]; table: string; report: string }> {
  const started = Date.now();
  const base: Omit<TrainCommandOptions, 'activation' | 'out'> = {
    model: 'mnist-cnn', method: 'natural', dataset: 'mnist',
    epochs: o.epochs ?? (o.full ? 10 : 3), batchSize: 64, optimizer: 'adam', lr: 1e-3, momentum: 0.9, weightDecay: 0,
    milestones: [], eps: 0.3, attackSteps: 8, tradesBeta: 6, freeReplays: 8,
    hidden: o.hidden ?? (o.full ? 20000 : 256), trainLimit: o.trainLimit, seed: o.seed, quiet: o.quiet,
  };
  const runs = [
    { activation: 'relu', dir: join(o.out, 'mnist-cnn-relu') },
    { activation: 'kwta:0.1', dir: join(o.out, 'mnist-cnn-kwta-0.1') },
  ];
  for (const r of runs) {
    const t = runTrain({ ...base, activation: r.activation, out: r.dir });
    log(o, `trained ${t.label}: test accuracy ${(100 * t.testAccuracy).toFixed(1)}% in ${t.seconds.toFixed(0)} s`);
  }
  const summaries = runs.map((r) => {
    const s = runEval({
      ...DEFAULT_ATTACK_SETTINGS,
      eotSteps: o.eotSteps ?? (o.full ? 100 : DEFAULT_ATTACK_SETTINGS.eotSteps),
      queries: o.queries ?? (o.full ? 5000 : DEFAULT_ATTACK_SETTINGS.queries),
      run: r.dir,
      attacks: ['pgd', 'eot', 'bpda', 'square'],
      examples: o.examples ?? (o.full ? 1000 : 100),
      batchSize: 100,
      seed: o.seed,
      checks: o.full ? {} : { stronger: false, epsValues: [0.1, 0.2, 0.45, 1] },
      quiet: o.quiet,
    });
    log(o, `evaluated ${s.label} in ${s.seconds.toFixed(0)} s`);
    return s;
  });
  const table = formatEvalTable(summaries);
  const report = await runReport(runs.map((r) => join(r.dir, 'eval.json')), join(o.out, 'report'), 'k-WTA vs ReLU on MNIST: the paper\'s PGD and the adaptive attacks');
  log(o, `total ${((Date.now() - started) / 1000).toFixed(0)} s`);
  return { summaries, table, report };
}

function log(o: ReproduceOptions, line: string): void {
  if (!o.quiet) process.stderr.write(`${line}\n`);
}
