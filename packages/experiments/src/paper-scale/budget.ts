import { cpus, loadavg } from 'node:os';
import { enableGrad, gradients, noGrad, tensor, tidy } from '@kwta/core';
import { DataLoader } from '@kwta/datasets';
import { buildModel, crossEntropy, parseActivation } from '@kwta/nn';
import { Adam, SGD } from '@kwta/optim';
import { METHODS, train, type Method } from '@kwta/train';
import type { SuiteAttack } from '../paper/attack-suite.js';
import { loadDataset } from '../runs/datasets.js';
import { ACTIVATIONS, epochsOf, trainSize, type PaperScaleSettings, type StudyActivation } from './settings.js';
import type { Stage } from './stages.js';

/** Seconds measured at one width: a training step per method and activation, and a batch's forward and input gradient. */
export interface Timings {
  hidden: number;
  /** Seconds per training batch (free: its m replays), by activation then method. */
  trainStep: Record<StudyActivation, Partial<Record<Method, number>>>;
  /** Seconds per example for a forward pass, and for a forward plus input-gradient pass (eval mode). */
  forward: Record<StudyActivation, number>;
  gradient: Record<StudyActivation, number>;
}

/** The budget stage's measurements: timed steps per width and kind, the basis of the compute plan. */
export interface Budget {
  measuredAt: string;
  /** 1-, 5- and 15-minute load averages and the cores: timings on a shared machine read with these. */
  load: number[];
  cores: number;
  timings: Timings[];
}

/** Median of the timed repetitions after a warm-up one. */
const median = (v: number[]): number => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];

/** Time `steps` batches (after one warm-up) of each method's training, and forward / gradient passes, at `hidden`. */
export function measureTimings(s: PaperScaleSettings, hidden: number, steps = 3): Timings {
  const data = loadDataset(s.dataset, 'train', s.batchSize * (steps + 1));
  const [, c, side] = data.shape;
  const build = (activation: StudyActivation) => buildModel({ name: s.model, activation: parseActivation(activation), hidden, seed: s.seed, inChannels: c, inputSize: side, numClasses: data.numClasses });
  const out: Timings = { hidden, trainStep: { 'kwta:0.1': {}, relu: {} }, forward: { 'kwta:0.1': 0, relu: 0 }, gradient: { 'kwta:0.1': 0, relu: 0 } };
  for (const activation of ACTIVATIONS) {
    for (const method of METHODS.filter((m) => s.methods.includes(m))) {
      const model = build(activation);
      const times: number[] = [];
      let last = Date.now();
      const optimizer = s.optimizer === 'adam' ? new Adam(model.parameters(), { lr: s.lr }) : new SGD(model.parameters(), { lr: s.lr, momentum: s.momentum });
      train(model, optimizer, new DataLoader(data, { batchSize: s.batchSize, shuffle: false }), {
        method, epochs: 1, seed: s.seed, eps: s.eps, attackSteps: s.attackSteps, tradesBeta: s.tradesBeta, freeReplays: s.freeReplays,
        onProgress: () => {
          const now = Date.now();
          times.push((now - last) / 1000);
          last = now;
        },
      });
      out.trainStep[activation][method] = median(times.slice(1));
      model.dispose();
    }
    const model = build(activation);
    model.eval();
    const n = Math.min(s.evalBatchSize, data.labels.length);
    const x = tensor(data.images.subarray(0, n * c * side * side), [n, c, side, side]);
    const y = tensor(data.labels.subarray(0, n), [n], 'int32');
    const fwd: number[] = [], grad: number[] = [];
    for (let r = 0; r <= steps; r++) {
      let t = Date.now();
      noGrad(() => tidy(() => model.forward(x).dataSync()));
      fwd.push((Date.now() - t) / 1000 / n);
      t = Date.now();
      enableGrad(() => tidy(() => {
        const xr = x.detach().requireGrad();
        gradients(crossEntropy(model.forward(xr), y), [xr])[0].dataSync();
      }));
      grad.push((Date.now() - t) / 1000 / n);
    }
    out.forward[activation] = median(fwd.slice(1));
    out.gradient[activation] = median(grad.slice(1));
    x.dispose();
    y.dispose();
    model.dispose();
  }
  return out;
}

/** Time every width the study trains (the main width and the sweep's). */
export function measureBudget(s: PaperScaleSettings, steps = 3): Budget {
  const widths = [...new Set([s.hidden, ...s.widths])].sort((a, b) => b - a);
  const load = loadavg();
  return { measuredAt: new Date().toISOString(), load, cores: cpus().length, timings: widths.map((w) => measureTimings({ ...s, methods: w === s.hidden ? s.methods : ['natural'] }, w, steps)) };
}

/**
 * Input-gradient and forward passes an attack spends per example if it never succeeds (the
 * upper bound; attacks stop early on the examples they break). Square and gradient
 * estimation are forward-only.
 */
export function passesPerExample(attack: SuiteAttack, s: PaperScaleSettings): { gradients: number; forwards: number } {
  const b = s.budget;
  const aaSteps = b.autoAttackSteps ?? 100, aaQueries = b.autoAttackQueries ?? 5000;
  const samples = (n: number) => Math.max(1, Math.round(n * b.adaptiveBudget));
  const adaptiveSteps = b.adaptiveSteps;
  const perStep = (i: number) => (i < 20 ? samples(100) : i < 40 ? samples(1000) : samples(20000));
  const table: Record<SuiteAttack, () => { gradients: number; forwards: number }> = {
    pgd: () => ({ gradients: b.steps, forwards: 2 }),
    mim: () => ({ gradients: b.steps, forwards: 2 }),
    bpda: () => ({ gradients: b.steps, forwards: b.steps + 2 }),
    transfer: () => ({ gradients: b.steps, forwards: 2 }),
    cw: () => ({ gradients: b.cwSearch * b.cwSteps, forwards: 2 }),
    deepfool: () => ({ gradients: b.deepfoolSteps * 10, forwards: 2 }),
    eot: () => ({ gradients: 0, forwards: 2 * b.eotSteps * b.eotSamples[1] }),
    square: () => ({ gradients: 0, forwards: b.squareQueries }),
    adaptive: () => ({ gradients: 0, forwards: 2 * Array.from({ length: adaptiveSteps }, (_, i) => perStep(i)).reduce((a, v) => a + v, 0) + adaptiveSteps + 3 }),
    autoattack: () => ({ gradients: aaSteps * (1 + 9 + 9), forwards: aaQueries + 3 * aaSteps }),
  };
  return table[attack]();
}

/** A stage of the plan: its estimated seconds, and whether its model is adversarially trained (its evaluations run nearer their bound). */
export interface PlannedStage {
  id: string;
  seconds: number | null;
  adversarial: boolean;
}

/** The planned stages with estimated seconds (training: measured step times; evaluation: the upper bound of passesPerExample). */
export function computePlan(stages: readonly Stage[], s: PaperScaleSettings, budget: Budget): PlannedStage[] {
  const at = (hidden: number) => budget.timings.find((t) => t.hidden === hidden);
  const batches = Math.ceil(trainSize(s) / s.batchSize);
  return stages.map((stage): PlannedStage => {
    if (stage.kind === 'budget') return { id: stage.id, seconds: null, adversarial: false };
    const adversarial = stage.model.method !== 'natural';
    const t = at(stage.model.hidden);
    if (!t) return { id: stage.id, seconds: null, adversarial };
    const a = stage.model.activation;
    if (stage.kind === 'train') {
      const step = t.trainStep[a][stage.model.method];
      return { id: stage.id, seconds: step === undefined ? null : step * batches * epochsOf(s, stage.model.method), adversarial };
    }
    const sweep = stage.set === 'strong' ? (s.checks.epsValues?.length ?? 4) * passesPerExample('pgd', s).gradients : 0;
    const perExample = stage.attacks.reduce((sum, name) => {
      const p = passesPerExample(name, s);
      return sum + p.gradients * t.gradient[a] + p.forwards * t.forward[a];
    }, t.forward[a] + sweep * t.gradient[a]);
    return { id: stage.id, seconds: perExample * stage.examples, adversarial };
  });
}
