import { Generator, cast, greater, noGrad, sum, tensor, tidy, type Tensor } from '@kwta/core';
import { loadDataset, loadRun } from '@kwta/experiments/node';
import { ReLU, mnistCnn, type Module } from '@kwta/nn';
import { kwtaBackendInfo, WASM_THREADS } from '../contenders/backends.js';
import { kwtaContender, type KwtaWorkload } from '../contenders/kwta.js';
import type { BenchCase, Mode, Suite } from '../harness/types.js';
import { mnistConfig, mnistInit, QUICK_MNIST } from './mnist/config.js';
import { PGD_STEP, pgdStepOf, sgdStepOf } from './mnist/kwta-step.js';

/**
 * A ReLU network's own zeros on the backward pass (docs/sparse.md): the paper's MNIST CNN with
 * ReLU, one PGD step (forward and input gradient, what an attack and adversarial training repeat),
 * one SGD step and one forward pass (what gradient-free attacks repeat), on the wasm backend with the sparse path on ('relu-wasm': the layers read the
 * ReLUs' non-zeros forward and backward, where the cost model says it pays) and forced off
 * ('relu-wasm-dense', as every framework runs ReLU). Densities decide, so the case runs at the
 * seeded init and, when KWTA_BENCH_RELU_RUN names a trained run directory (the paper-scale
 * study's `out/paper-scale/models/relu-free-h20000`), on its weights and the first 64 held-out
 * MNIST digits.
 */

const BATCH = 64;
const MOMENTUM = 0.9;
const RUN_ENV = 'KWTA_BENCH_RELU_RUN';

/** Where each model's ReLUs are non-zero on the batch (the fraction per ReLU), by case id. */
const densities = new Map<string, number[]>();

interface Source {
  label: string;
  model(): Module;
  batch(): { x: Float32Array; labels: Int32Array; size: number };
}

function reluDensities(model: Module, x: Tensor): number[] {
  const out: number[] = [];
  const handles = model.modules().filter((m) => m instanceof ReLU).map((m) => m.registerForwardHook((_m, _in, y) => {
    out.push(noGrad(() => tidy(() => sum(cast(greater(y, 0), 'float32')).item())) / y.size);
  }));
  noGrad(() => tidy(() => model.call(x)));
  for (const h of handles) h.remove();
  return out;
}

/** The source's model and batch as tensors (the workload built from them owns the model). */
function loaded(src: Source): { model: Module; x: Tensor; labels: Tensor } {
  const b = src.batch();
  return { model: src.model(), x: tensor(b.x, [BATCH, 1, b.size, b.size]), labels: tensor(b.labels, [BATCH], 'int32') };
}

function pgdStep(src: Source, id: string): KwtaWorkload {
  const { model, x, labels } = loaded(src);
  if (!densities.has(id)) densities.set(id, reluDensities(model, x));
  return pgdStepOf(model, x, labels);
}

function sgdStep(src: Source): KwtaWorkload {
  const { model, x, labels } = loaded(src);
  return sgdStepOf(model, x, labels, 0.01, MOMENTUM);
}

/** A forward pass alone, as gradient-free attacks (Square, the estimated-gradient attack) repeat it. */
function forwardPass(src: Source): KwtaWorkload {
  const { model, x, labels } = loaded(src);
  labels.dispose();
  return { inputs: [x], run: () => noGrad(() => model.forward(x)), dispose: () => model.dispose() };
}

function cases(src: Source, params: BenchCase['params']): BenchCase[] {
  const both = (id: string, build: () => KwtaWorkload, description: string): BenchCase => ({
    id,
    description,
    params: { ...params, batch: BATCH, threads: WASM_THREADS },
    flops: 0,
    reference: 'relu-wasm-dense',
    tolerance: 1e-3,
    ratios: [{ numerator: 'relu-wasm-dense', denominator: 'relu-wasm' }],
    contenders: () => [
      kwtaContender(build, { name: 'relu-wasm-dense', backend: 'wasm', sparsePath: 'off' }),
      kwtaContender(build, { name: 'relu-wasm', backend: 'wasm' }),
    ],
  });
  const pgdId = `PGD step, ${src.label}`;
  return [
    both(pgdId, () => pgdStep(src, pgdId), `one PGD step (forward, input gradient, x + ${PGD_STEP} sign(grad) clamped), ${src.label}`),
    both(`SGD step, ${src.label}`, () => sgdStep(src), `one SGD step (momentum ${MOMENTUM}), ${src.label}`),
    both(`forward, ${src.label}`, () => forwardPass(src), `one forward pass (logits, no gradient), ${src.label}`),
  ];
}

function initSource(hidden: number, quick: boolean): Source {
  const cfg = quick ? { ...QUICK_MNIST, batch: BATCH, momentum: MOMENTUM } : mnistConfig(hidden, MOMENTUM);
  let init: ReturnType<typeof mnistInit> | undefined;
  const data = () => (init ??= mnistInit({ ...cfg, batch: BATCH }));
  return {
    label: `hidden ${cfg.hidden}, seeded init`,
    model: () => mnistCnn({ gen: new Generator(cfg.seed), hiddenSize: cfg.hidden, channels: cfg.channels, inputSize: cfg.size, activation: () => new ReLU() }),
    batch: () => ({ x: data().x, labels: data().labels, size: cfg.size }),
  };
}

function runSource(dir: string): Source {
  let digits: { x: Float32Array; labels: Int32Array; size: number } | undefined;
  return {
    label: `trained (${dir})`,
    model: () => loadRun(dir).model,
    batch: () => {
      if (!digits) {
        const ds = loadDataset('mnist', 'test', BATCH);
        digits = { x: ds.images.slice(0, BATCH * 28 * 28), labels: ds.labels.slice(0, BATCH), size: 28 };
      }
      return digits;
    },
  };
}

export const reluZerosSuite: Suite = {
  name: 'relu-zeros',
  description: `MNIST CNN with ReLU: one PGD step, one SGD step and one forward pass (batch ${BATCH}), the layers reading the ReLUs' zeros forward and backward ('relu-wasm') against the dense path ('relu-wasm-dense'), kwta's wasm backend (${WASM_THREADS} threads); set ${RUN_ENV} to a trained run directory to add its weights`,
  cases(mode: Mode) {
    const quick = mode === 'quick';
    const list = cases(initSource(20000, quick), { hidden: quick ? QUICK_MNIST.hidden : 20000, weights: 'init' });
    const dir = process.env[RUN_ENV];
    if (dir) list.push(...cases(runSource(dir), { weights: dir }));
    return list;
  },
  async environment() {
    return { kwtaWasm: kwtaBackendInfo('wasm'), trainedRun: process.env[RUN_ENV] ?? null };
  },
  notes(result) {
    const lines: string[] = [];
    for (const [id, d] of densities) lines.push(`${id}: ReLU densities (non-zero fraction, input to output) ${d.map((v) => v.toFixed(3)).join(', ')}`);
    if (densities.size) result.environment.reluDensities = Object.fromEntries(densities);
    return lines;
  },
};
