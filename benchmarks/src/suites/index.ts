import type { Suite } from '../harness/types.js';
import { apgdSuite } from './apgd.js';
import { conv2dSuite } from './conv2d.js';
import { matmulSuite } from './matmul.js';
import { overheadActivationsSuite } from './overhead-activations.js';
import { overheadTrainSuite } from './overhead-train.js';
import { pthLoadSuite } from './pth-load.js';
import { reluZerosSuite } from './relu-zeros.js';
import { sparseCrossoverSuite } from './sparse-crossover.js';
import { sparseKernelsSuite } from './sparse-kernels.js';
import { sparseTrainSuite } from './sparse-train.js';
import { wasmElementwiseSuite } from './wasm-elementwise.js';
import { wasmKwtaReluSuite } from './wasm-kwta-relu.js';
import { wasmMatmulSuite } from './wasm-matmul.js';
import { wasmMnistTrainSuite } from './wasm-mnist-train.js';

/** Every suite by name. A new benchmark is one file in suites/ plus one line here. */
export const SUITES: Record<string, Suite> = {
  [matmulSuite.name]: matmulSuite,
  [conv2dSuite.name]: conv2dSuite,
  [wasmMatmulSuite.name]: wasmMatmulSuite,
  [wasmMnistTrainSuite.name]: wasmMnistTrainSuite,
  [wasmKwtaReluSuite.name]: wasmKwtaReluSuite,
  [wasmElementwiseSuite.name]: wasmElementwiseSuite,
  [overheadActivationsSuite.name]: overheadActivationsSuite,
  [overheadTrainSuite.name]: overheadTrainSuite,
  [pthLoadSuite.name]: pthLoadSuite,
  [sparseKernelsSuite.name]: sparseKernelsSuite,
  [sparseCrossoverSuite.name]: sparseCrossoverSuite,
  [apgdSuite.name]: apgdSuite,
  [sparseTrainSuite.name]: sparseTrainSuite,
  [reluZerosSuite.name]: reluZerosSuite,
};

/**
 * Named groups of suites; `pnpm bench` runs 'core'. 'wasm': issue 8's targets for the
 * WebAssembly SIMD path; 'overhead': issue 7's k-WTA-against-ReLU costs; 'sparse': issue 14's
 * targets (sparse-train: the k-WTA step against ReLU and PyTorch, the PGD step), its sparse-input
 * kernels and the crossover behind their cost model.
 */
export const GROUPS: Record<string, string[]> = {
  core: ['matmul', 'conv2d'],
  wasm: ['wasm-matmul', 'wasm-mnist-train', 'wasm-kwta-relu', 'wasm-elementwise'],
  overhead: ['overhead-activations', 'overhead-train'],
  sparse: ['sparse-train', 'relu-zeros', 'sparse-kernels', 'sparse-crossover'],
};

/** Expand suite and group names into suites, in order, without duplicates. */
export function resolveSuites(names: readonly string[]): Suite[] {
  const out: Suite[] = [];
  for (const name of names) {
    const members = GROUPS[name] ?? [name];
    for (const m of members) {
      const s = SUITES[m];
      if (!s) throw new Error(`unknown suite or group '${name}'; known: ${[...Object.keys(GROUPS), ...Object.keys(SUITES)].join(', ')}`);
      if (!out.includes(s)) out.push(s);
    }
  }
  return out;
}
