import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Generator, type Tensor } from '@kwta/core';
import { DataLoader, batchToTensors, gatherBatch, take, type ImageDataset } from '@kwta/datasets';
import { activationLabel, parseActivation, type Module } from '@kwta/nn';
import { writeFileAtomic } from '@kwta/nn/node';
import { Adam } from '@kwta/optim';
import { evaluateAccuracy, train } from '@kwta/train';
import { writeJson, writeSvg } from '../files.js';
import { pct } from '../output.js';
import type { LabelledModel } from '../paper/common.js';
import { loadDataset } from '../runs/datasets.js';
import type { ProgressFactory } from '../runs/progress.js';
import { loadRun, saveRun } from '../runs/run-dir.js';
import { runTrain } from '../runs/train-run.js';
import { DEFAULT_SCALE, EPS, FULL_SCALE, type Scale } from './scales.js';

/**
 * The paper's tables and figures as jobs (`kwta experiment <name>`): each trains (or takes from
 * the cache) the models it needs, runs its experiment function, and writes <out>/<name>/
 * result.json, its SVG plots and a README.md with the numbers and what they show. The Context
 * is what they share: the scale (scales.ts), the datasets, the model cache with its training
 * recipes, and the settings notes every README carries.
 */
export const EXPERIMENTS = ['figure1', 'patterns', 'figure3', 'figure5', 'table5', 'table3', 'figure4', 'table4'] as const;
/** The name of one of the paper's experiments the main job can run. */
export type ExperimentName = (typeof EXPERIMENTS)[number];

/**
 * Options of running one experiment: output and model-cache directories, scale, seed, logging and progress.
 */
export interface ExperimentOptions {
  /** Where <name>/ goes (the CLI's default: out/experiments; docs/experiments is the committed copy). */
  out: string;
  /** Overwrite files git tracks there (default false: refused before any work). */
  force?: boolean;
  /** Trained models, shared between experiments (default out/models). */
  cache: string;
  full: boolean;
  seed: number;
  /** No log lines on stderr. */
  quiet?: boolean;
  /** Progress display for training runs (default: silent). */
  progress?: ProgressFactory;
}

export interface ModelKey {
  dataset: string;
  activation: string;
  method: 'natural' | 'at';
  /** Added to the run's seed: 1 gives an independently initialised and shuffled twin. */
  copy?: number;
}

export class Context {
  readonly scale: Scale;
  private readonly datasets = new Map<string, ImageDataset>();

  constructor(readonly o: ExperimentOptions) {
    this.scale = o.full ? FULL_SCALE : DEFAULT_SCALE;
  }

  log(line: string): void {
    if (!this.o.quiet) process.stderr.write(`${line}\n`);
  }

  dataset(name: string, split: 'train' | 'test'): ImageDataset {
    const key = `${name}:${split}`;
    if (!this.datasets.has(key)) this.datasets.set(key, loadDataset(name, split));
    return this.datasets.get(key)!;
  }

  /** The first `n` test examples as tensors (kept; the caller disposes). */
  testSlice(name: string, n: number): { images: Tensor; labels: Tensor; set: ImageDataset } {
    const set = take(this.dataset(name, 'test'), n);
    const t = batchToTensors(gatherBatch(set, Int32Array.from({ length: set.labels.length }, (_, i) => i)));
    return { images: t.images.keep(), labels: t.labels.keep(), set };
  }

  /** Run directory of a model: every setting that changes the weights is in the name. */
  modelDir(k: ModelKey): string {
    const s = this.scale;
    const seed = this.o.seed + (k.copy ?? 0);
    const name = `${k.dataset}-${k.activation.replace(':', '')}-natural-s${seed}-h${s.hidden}-n${s.natural.trainLimit}-e${s.natural.epochs}`;
    return join(this.o.cache, k.method === 'natural' ? name : `${name}-at-n${s.at.trainLimit}-eps${EPS[k.dataset]}-k${s.at.attackSteps}-r${s.at.ramp.length}`);
  }

  /** Train the model unless the cache has it, then load it (eval mode). */
  model(k: ModelKey): LabelledModel & { module: Module; testAccuracy: number } {
    const dir = this.modelDir(k);
    const nat = k.method === 'natural';
    if (!existsSync(join(dir, 'train.json'))) {
      if (nat) this.trainNatural(k, dir);
      else this.trainAdversarial(k, dir);
    }
    const { model } = loadRun(dir);
    const { testAccuracy } = JSON.parse(readFileSync(join(dir, 'train.json'), 'utf8')) as { testAccuracy: number };
    const label = `${activationLabel(parseActivation(k.activation))}${nat ? '' : ' (AT)'}${k.copy ? ` #${k.copy + 1}` : ''}`;
    return { label, activation: k.activation, training: nat ? 'natural' : 'AT', model, module: model, testAccuracy };
  }

  private trainNatural(k: ModelKey, dir: string): void {
    const t = this.scale.natural;
    this.log(`training ${dir}`);
    runTrain({
      model: 'mnist-cnn', activation: k.activation, method: 'natural', dataset: k.dataset, epochs: t.epochs, batchSize: 64,
      optimizer: 'adam', lr: 1e-3, momentum: 0.9, weightDecay: 0, milestones: [], eps: EPS[k.dataset],
      attackSteps: this.scale.at.attackSteps, tradesBeta: 6, freeReplays: 8, hidden: this.scale.hidden,
      trainLimit: t.trainLimit, seed: this.o.seed + (k.copy ?? 0), out: dir, progress: this.o.progress,
    });
  }

  /** PGD adversarial fine-tuning of the natural model, eps ramped up epoch by epoch (see Scale.at). */
  private trainAdversarial(k: ModelKey, dir: string): void {
    const natDir = this.modelDir({ ...k, method: 'natural' });
    if (!existsSync(join(natDir, 'train.json'))) this.trainNatural(k, natDir);
    this.log(`adversarial fine-tuning ${dir}`);
    const started = Date.now();
    const { config, model } = loadRun(natDir);
    const a = this.scale.at, eps = EPS[k.dataset], seed = this.o.seed + (k.copy ?? 0);
    const data = take(this.dataset(k.dataset, 'train'), a.trainLimit);
    const optimizer = new Adam(model.parameters(), { lr: 1e-3 });
    const history = a.ramp.map((fraction, epoch) => {
      const loader = new DataLoader(data, { batchSize: 64, shuffle: true, seed: new Generator(seed + 300 + epoch) });
      const r = train(model, optimizer, loader, { method: 'at', epochs: 1, eps: eps * fraction, attackSteps: a.attackSteps, seed: seed + 400 + epoch });
      return { ...r.history[0], epoch, eps: eps * fraction };
    });
    const testAccuracy = evaluateAccuracy(model, new DataLoader(this.dataset(k.dataset, 'test'), { batchSize: 250, shuffle: false }));
    saveRun(dir, { ...config, method: 'at', eps, attackSteps: a.attackSteps, fineTunedFrom: natDir, atTrainLimit: a.trainLimit, ramp: a.ramp }, model);
    writeJson(join(dir, 'train.json'), { out: dir, label: `${k.activation} AT`, testAccuracy, seconds: (Date.now() - started) / 1000, history });
    model.dispose();
    this.log(`  test accuracy ${pct(testAccuracy)} in ${seconds(started)} s`);
  }

  /** Settings lines every README shares. */
  trainingNote(): string {
    const s = this.scale;
    return [
      `- Model: the paper's MNIST CNN (4 conv layers 32-32-64-64, hidden linear layer of ${s.hidden} units, the activation after every layer), Adam lr 1e-3, batch 64.`,
      `- Natural training: the first ${s.natural.trainLimit} training images, ${s.natural.epochs} epoch(s). PGD adversarial training (AT): fine-tuning the naturally trained model for ${s.at.ramp.length} epoch(s) on the first ${s.at.trainLimit} images with eps ramped over ${s.at.ramp.map((f) => `${f}`).join(', ')} x the test eps, ${s.at.attackSteps}-step PGD inner maximisation (step 2.5 eps / steps, random start). (AT from scratch this short collapses to a constant prediction at MNIST's eps 0.3.)`,
      `- Models are cached in \`${this.o.cache}\` and shared between experiments; seed ${this.o.seed}.`,
    ].join('\n');
  }

  paperDeviation(): string {
    return this.o.full
      ? '- Setting: `--full` (paper-like: hidden width 20000, 20 epochs on the 8000 training digits, paper attack budgets).'
      : '- Setting: the default, sized for a 2-core CPU in minutes. The paper trains for 20 epochs on 60,000 images with hidden width 20000 and SGD; here models are far less trained (lower clean accuracy), attack budgets are reduced and few examples are attacked, so percentages carry a sampling error of several points. Run with `--full` for the paper-like setting.';
  }
}

/** Write result.json, the SVGs and README.md into <out>/<name>/. */
export async function publish(ctx: Context, name: string, result: unknown, svgs: Record<string, unknown>, readme: string[]): Promise<string> {
  const dir = join(ctx.o.out, name);
  writeJson(join(dir, 'result.json'), result);
  for (const [file, spec] of Object.entries(svgs)) await writeSvg(join(dir, file), spec as Parameters<typeof writeSvg>[1]);
  writeFileAtomic(join(dir, 'README.md'), readme.join('\n') + '\n');
  ctx.log(`wrote ${dir}`);
  return dir;
}

export const seconds = (started: number) => Math.round((Date.now() - started) / 1000);
