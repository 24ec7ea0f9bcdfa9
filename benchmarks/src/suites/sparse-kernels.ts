import { SPARSE_PASSES, estimateMs, passWork, type SparsePass } from '@kwta/core/internal';
import { kwtaBackendInfo } from '../contenders/backends.js';
import type { SuiteResult } from '../harness/run.js';
import type { BenchCase, Mode, Suite } from '../harness/types.js';
import { pathContender, winnersContender } from './sparse/fixture.js';
import { PAPER_GAMMA, kOf, paperConvs, paperLinears, type NamedLayer } from './sparse/layers.js';

/**
 * Issue 14: each sparse kernel against its dense counterpart at the paper's MNIST shapes
 * (batch 64, gamma 0.1, hidden 20000 and 1024), on the wasm backend with 2 threads. The ratio
 * dense / sparse is the kernel's speedup; the notes give the sparse kernels' rates and what
 * the cost model predicted.
 */

function passCase(l: NamedLayer, pass: SparsePass, seed: number): BenchCase {
  // The linear forward also runs on W's panels interleaved ahead of time: does a weight cache pay?
  const cached = l.layer.kind === 'linear' && pass === 'forward';
  return {
    id: `${l.name} ${pass}`,
    description: `${pass} of ${l.name} from a k-WTA's output: dense kernel on the dense output vs sparse kernel on the winners`,
    params: { layer: l.name, pass, k: l.layer.k, ...(l.layer.kind === 'linear' && l.layer.kOut ? { kOut: l.layer.kOut } : {}) },
    flops: 0,
    tolerance: 1e-5,
    reference: 'dense',
    ratios: [{ numerator: 'dense', denominator: 'sparse' }, ...(cached ? [{ numerator: 'sparse-cached', denominator: 'sparse' }] : [])],
    contenders: () => [
      pathContender(l.layer, pass, 'dense', seed), pathContender(l.layer, pass, 'sparse', seed),
      ...(cached ? [pathContender(l.layer, pass, 'sparse-cached', seed)] : []),
    ],
  };
}

/** The k-WTA outputs the sparse path reads winners from: conv1's (the largest) and fc1's at hidden 20000. */
function winnersCase(rows: number, cols: number, seed: number): BenchCase {
  const k = kOf(PAPER_GAMMA, cols);
  return {
    id: `k-WTA winners [${rows},${cols}]`,
    description: `what the sparse path adds to a k-WTA (k = ${k}): the winners' indices and values, next to the k-WTA forward itself (topkMask + where)`,
    params: { rows, cols, k },
    flops: 0,
    tolerance: 0,
    reference: 'kwta',
    ratios: [{ numerator: 'winners', denominator: 'kwta' }],
    contenders: () => [winnersContender(rows, cols, k, 'kwta', seed), winnersContender(rows, cols, k, 'winners', seed)],
  };
}

export function layersOf(mode: Mode): NamedLayer[] {
  return [...paperLinears(mode, mode === 'full' ? 20000 : 40), ...paperLinears(mode, mode === 'full' ? 1024 : 24), ...paperConvs(mode)];
}

export const sparseKernelsSuite: Suite = {
  name: 'sparse-kernels',
  description: `sparse-input kernels (winners of a k-WTA, gamma ${PAPER_GAMMA}) vs the dense kernels on the dense k-WTA output, at the paper's MNIST-CNN shapes; wasm backend, 2 threads`,
  cases(mode: Mode) {
    const [N, conv1, hidden] = mode === 'full' ? [64, 25088, 20000] : [2, 98, 40];
    return [
      ...layersOf(mode).flatMap((l, i) => SPARSE_PASSES.map((pass, j) => passCase(l, pass, 100 + 3 * i + j))),
      winnersCase(N, conv1, 90), winnersCase(N, hidden, 91),
    ];
  },
  async environment() {
    return { kwtaWasm: kwtaBackendInfo('wasm') };
  },
  notes(result: SuiteResult) {
    const layers = new Map(layersOf(result.mode).map((l) => [l.name, l.layer]));
    return result.cases.filter((c) => layers.has(String(c.params.layer))).map((c) => {
      const layer = layers.get(String(c.params.layer))!;
      const pass = c.params.pass as SparsePass;
      const sparseMs = c.contenders.sparse.medianMs;
      const model = estimateMs(layer, pass);
      return `${c.id}: sparse ${(passWork(layer, pass).sparseMacs / (sparseMs * 1e6)).toFixed(2)} GMAC/s; cost model ${model.dense.toFixed(2)} ms dense / ${model.sparse.toFixed(2)} ms sparse (picks ${model.sparse < model.dense ? 'sparse' : 'dense'}), measured ${c.contenders.dense.medianMs.toPrecision(3)} / ${sparseMs.toPrecision(3)} ms`;
    });
  },
};
