import { kwtaBackendInfo } from '../contenders/backends.js';
import { kwtaContender } from '../contenders/kwta.js';
import type { BenchCase, Mode, Suite } from '../harness/types.js';
import { CPU_PATHS, contenderName, GAMMA, overheadRatios } from './activation.js';
import { mnistConfig, mnistInit, QUICK_MNIST, stepFlops, type MnistStepConfig } from './mnist/config.js';
import { kwtaMnistStep } from './mnist/kwta-step.js';

/**
 * Hidden widths of the full run: 1024 (the convolutions' activations weigh most) and the
 * paper's 20000 (the hidden layer's GEMMs dominate, so the overhead shrinks).
 */
export const OVERHEAD_HIDDEN = [1024, 20000];

function overheadTrainCase(cfg: MnistStepConfig): BenchCase {
  return {
    id: `MNIST CNN step hidden ${cfg.hidden}`,
    description: `one SGD training step of the MNIST CNN (batch ${cfg.batch}, hidden ${cfg.hidden}) with every activation k-WTA (gamma ${GAMMA}) vs ReLU, same initial weights and batch`,
    params: { batch: cfg.batch, size: cfg.size, channels: cfg.channels.join('/'), hidden: cfg.hidden, lr: cfg.lr, gamma: GAMMA },
    flops: stepFlops(cfg),
    tolerance: 1e-4,
    ...overheadRatios(1.05),
    contenders() {
      const init = mnistInit(cfg);
      return CPU_PATHS.flatMap((path) => (['relu', 'kwta'] as const).map((act) =>
        kwtaContender(() => kwtaMnistStep(cfg, init, act), { name: contenderName(act, path), backend: path })));
    },
  };
}

/** Issue 7's model-level goal: a training step with k-WTA at most 1.05x the step with ReLU. */
export const overheadTrainSuite: Suite = {
  name: 'overhead-train',
  description: `MNIST CNN training step (batch 64) with k-WTA (gamma ${GAMMA}) vs with ReLU, on kwta's WebAssembly SIMD backend and its pure-TypeScript path`,
  cases(mode: Mode) {
    return mode === 'quick' ? [overheadTrainCase(QUICK_MNIST)] : OVERHEAD_HIDDEN.map((h) => overheadTrainCase(mnistConfig(h)));
  },
  async environment() {
    return { kwtaWasm: kwtaBackendInfo('wasm'), kwtaJs: kwtaBackendInfo('js') };
  },
};
