import { kwtaBackendInfo, WASM_THREADS } from '../contenders/backends.js';
import { kwtaContender } from '../contenders/kwta.js';
import { PGD_PROTOCOL, STEP_PROTOCOL, findTorch, openBlas, pytorchContender, type TorchProtocol } from '../contenders/pytorch.js';
import type { BenchCase, Contender, Mode, RatioSpec, Suite } from '../harness/types.js';
import { GAMMA } from './activation.js';
import { mnistConfig, mnistInit, QUICK_MNIST, stepFlops, torchStepFiles, type MnistInit, type MnistStepConfig } from './mnist/config.js';
import { kwtaMnistStep, kwtaPgdStep } from './mnist/kwta-step.js';

/**
 * Issue 14's targets, side by side in one process: the paper's MNIST CNN (batch 64) with k-WTA
 * (gamma 0.1) after every layer but the last, one SGD step with momentum 0.9, on the wasm
 * backend with the sparse path ('kwta-wasm') and forced off ('kwta-wasm-dense'), against the
 * same network with ReLU, dense as every framework runs it ('relu-wasm-dense': the targets'
 * denominator) and with its own zeros read by the layers after it ('relu-wasm'), and PyTorch on
 * OpenBLAS running both (k-WTA as the paper's code writes it, with topk); and one PGD step
 * (forward and input gradient only) on the k-WTA model.
 */

export const SPARSE_TRAIN_HIDDEN = [1024, 20000];
const MOMENTUM = 0.9;
const THREADS = String(WASM_THREADS);

/** What each PyTorch process reported (torch version, threads, BLAS loaded), by contender name. */
const torchInfo = new Map<string, Record<string, unknown>>();

function torch(name: string, cfg: MnistStepConfig, init: MnistInit, activation: 'relu' | 'kwta', protocol: TorchProtocol): Contender {
  const blas = openBlas();
  return pytorchContender('mnist_cnn_step.py', () => ({
    files: torchStepFiles(init),
    args: [cfg.batch, cfg.size, ...cfg.channels, cfg.hidden, cfg.lr, THREADS, activation, GAMMA, cfg.momentum].map(String),
  }), (ready) => { torchInfo.set(name, ready); }, { name, protocol, ...(blas ? { blas } : {}) });
}

function stepCase(cfg: MnistStepConfig, withTorch: boolean): BenchCase {
  const paperWidth = cfg.hidden >= 20000;
  const ratios: RatioSpec[] = [
    { numerator: 'kwta-wasm', denominator: 'relu-wasm-dense', ...(paperWidth ? { target: { max: 0.5 } } : {}) },
    { numerator: 'kwta-wasm-dense', denominator: 'kwta-wasm' },
    { numerator: 'relu-wasm-dense', denominator: 'relu-wasm' },
  ];
  if (withTorch) {
    ratios.push({ numerator: 'pytorch-kwta', denominator: 'kwta-wasm', target: { min: 1 } });
    ratios.push({ numerator: 'pytorch-relu', denominator: 'relu-wasm-dense' });
  }
  return {
    id: `MNIST CNN step hidden ${cfg.hidden}`,
    description: `one SGD step (momentum ${cfg.momentum}, batch ${cfg.batch}, hidden ${cfg.hidden}): k-WTA (gamma ${GAMMA}) everywhere vs ReLU, same initial weights and batch`,
    params: { batch: cfg.batch, size: cfg.size, channels: cfg.channels.join('/'), hidden: cfg.hidden, lr: cfg.lr, momentum: cfg.momentum, gamma: GAMMA, kwtaWasmThreads: WASM_THREADS },
    flops: stepFlops(cfg),
    // The losses of one step and after it: k-WTA contenders against the dense k-WTA path, ReLU ones against kwta's ReLU.
    reference: 'kwta-wasm-dense',
    referenceFor: { 'relu-wasm-dense': 'relu-wasm-dense', 'relu-wasm': 'relu-wasm-dense', 'pytorch-relu': 'relu-wasm-dense' },
    tolerance: 1e-3,
    ratios,
    contenders() {
      const init = mnistInit(cfg);
      const list: Contender[] = [
        kwtaContender(() => kwtaMnistStep(cfg, init, 'relu'), { name: 'relu-wasm-dense', backend: 'wasm', sparsePath: 'off' }),
        kwtaContender(() => kwtaMnistStep(cfg, init, 'relu'), { name: 'relu-wasm', backend: 'wasm' }),
        kwtaContender(() => kwtaMnistStep(cfg, init, 'kwta'), { name: 'kwta-wasm', backend: 'wasm' }),
        kwtaContender(() => kwtaMnistStep(cfg, init, 'kwta'), { name: 'kwta-wasm-dense', backend: 'wasm', sparsePath: 'off' }),
      ];
      if (withTorch) list.push(torch('pytorch-relu', cfg, init, 'relu', STEP_PROTOCOL), torch('pytorch-kwta', cfg, init, 'kwta', STEP_PROTOCOL));
      return list;
    },
  };
}

function pgdCase(cfg: MnistStepConfig, withTorch: boolean): BenchCase {
  return {
    id: `PGD step hidden ${cfg.hidden}`,
    description: `one PGD step on the k-WTA model (batch ${cfg.batch}, hidden ${cfg.hidden}): forward and the input gradient only, x + 0.01 sign(grad) clamped`,
    params: { batch: cfg.batch, hidden: cfg.hidden, gamma: GAMMA },
    flops: 0,
    reference: 'kwta-wasm-dense',
    tolerance: 1e-3,
    ratios: [
      { numerator: 'kwta-wasm-dense', denominator: 'kwta-wasm' },
      ...(withTorch ? [{ numerator: 'pytorch-kwta', denominator: 'kwta-wasm', target: { min: 2 } }] : []),
    ],
    contenders() {
      const init = mnistInit(cfg);
      return [
        kwtaContender(() => kwtaPgdStep(cfg, init, 'kwta'), { name: 'kwta-wasm', backend: 'wasm' }),
        kwtaContender(() => kwtaPgdStep(cfg, init, 'kwta'), { name: 'kwta-wasm-dense', backend: 'wasm', sparsePath: 'off' }),
        ...(withTorch ? [torch('pytorch-kwta', cfg, init, 'kwta', PGD_PROTOCOL)] : []),
      ];
    },
  };
}

export const sparseTrainSuite: Suite = {
  name: 'sparse-train',
  description: `MNIST CNN with k-WTA (gamma ${GAMMA}) everywhere vs ReLU: one SGD step (momentum ${MOMENTUM}) and one PGD step, kwta's wasm backend (${WASM_THREADS} threads, sparse path on and off) and PyTorch (OpenBLAS, ${WASM_THREADS} threads)`,
  cases(mode: Mode) {
    const withTorch = findTorch().available;
    if (mode === 'quick') {
      const cfg = { ...QUICK_MNIST, momentum: MOMENTUM };
      return [stepCase(cfg, withTorch), pgdCase(cfg, withTorch)];
    }
    return [...SPARSE_TRAIN_HIDDEN.map((h) => stepCase(mnistConfig(h, MOMENTUM), withTorch)), pgdCase(mnistConfig(20000, MOMENTUM), withTorch)];
  },
  async environment() {
    return { kwtaWasm: kwtaBackendInfo('wasm'), pytorch: findTorch(), openblas: openBlas()?.dir ?? null };
  },
  notes(result) {
    const t = findTorch();
    if (!t.available) return [`PyTorch: not run: ${t.reason}`];
    const blas = openBlas();
    const lines = [
      `PyTorch ${t.version} (${t.python}), ${blas ? blas.label : 'OpenBLAS not installed (apt-get install libopenblas0-pthread): the targets are set against it'}; k-WTA as the kWTA repository writes it (topk threshold).`,
    ];
    for (const [name, ready] of torchInfo) lines.push(`${name}: ${String(ready.threads)} threads, BLAS ${String(ready.blas)}`);
    if (torchInfo.size) result.environment.pytorchRuns = Object.fromEntries(torchInfo);
    return lines;
  },
};
