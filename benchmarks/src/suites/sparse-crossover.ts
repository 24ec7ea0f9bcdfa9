import { SPARSE_PASSES, WASM_SPARSE_RATES, crossoverDensity, passWork, type SparseLayer, type SparsePass } from '@kwta/core/internal';
import { kwtaBackendInfo } from '../contenders/backends.js';
import type { CaseResult, SuiteResult } from '../harness/run.js';
import type { BenchCase, Mode, Suite } from '../harness/types.js';
import { MNIST_CNN_CONVS } from './conv2d.js';
import { pathContender } from './sparse/fixture.js';
import { convLayer, linearLayer } from './sparse/layers.js';

/**
 * Issue 14's cost model, measured: for three layers of the MNIST CNN, each pass on the dense
 * and the sparse kernels while the k-WTA's ratio gamma grows from 0.05 to 1 (k-WTA on both
 * sides of the linear layer). The notes give, per layer and pass, the gamma where the two cross
 * (interpolated between the measured gammas), the cost model's crossover, and the sparse
 * kernel's rate fitted over the gammas (time = MACs / rate + fixed), which is where the model's
 * rates come from.
 */

const GAMMAS: Record<Mode, number[]> = { full: [0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 1], quick: [0.1, 1] };

function layers(mode: Mode, gamma: number): { name: string; layer: SparseLayer }[] {
  const full = mode === 'full';
  const [N, flat, hidden] = full ? [64, 3136, 1024] : [2, 49, 24];
  const H = (l: (typeof MNIST_CNN_CONVS)[number]) => (full ? l.H : 6);
  return [
    { name: `fc1 ${flat}→${hidden}`, layer: linearLayer(N, flat, hidden, gamma, true) },
    { name: `conv ${MNIST_CNN_CONVS[1].name}`, layer: convLayer(N, MNIST_CNN_CONVS[1], H(MNIST_CNN_CONVS[1]), gamma) },
    { name: `conv ${MNIST_CNN_CONVS[2].name}`, layer: convLayer(N, MNIST_CNN_CONVS[2], H(MNIST_CNN_CONVS[2]), gamma) },
  ];
}

function crossCase(name: string, layer: SparseLayer, pass: SparsePass, gamma: number, seed: number): BenchCase {
  return {
    id: `${name} ${pass} γ=${gamma}`,
    description: `${pass} of ${name} at k-WTA ratio ${gamma}: dense vs sparse kernels`,
    params: { layer: name, pass, gamma, k: layer.k },
    flops: 0,
    tolerance: 1e-5,
    reference: 'dense',
    ratios: [{ numerator: 'dense', denominator: 'sparse' }],
    contenders: () => [pathContender(layer, pass, 'dense', seed), pathContender(layer, pass, 'sparse', seed)],
  };
}

/** The gamma where dense / sparse crosses 1, interpolated on log(ratio); a phrase when it does not cross. */
function measuredCrossover(points: { gamma: number; ratio: number }[]): string {
  for (let i = 1; i < points.length; i++) {
    const a = points[i - 1], b = points[i];
    if (a.ratio >= 1 && b.ratio < 1) {
      const t = Math.log(a.ratio) / (Math.log(a.ratio) - Math.log(b.ratio));
      return (a.gamma + t * (b.gamma - a.gamma)).toFixed(2);
    }
  }
  return points.every((p) => p.ratio >= 1) ? 'none (sparse faster at every gamma)' : points.every((p) => p.ratio < 1) ? 'none (dense faster at every gamma)' : 'not monotone';
}

/** Least squares of sparse time against MACs: rate (GMAC/s) and fixed part (ms). */
function fit(points: { macs: number; ms: number }[]): { gmacs: number; fixedMs: number } {
  const n = points.length, mx = points.reduce((s, p) => s + p.macs, 0) / n, my = points.reduce((s, p) => s + p.ms, 0) / n;
  const sxy = points.reduce((s, p) => s + (p.macs - mx) * (p.ms - my), 0), sxx = points.reduce((s, p) => s + (p.macs - mx) ** 2, 0);
  const slope = sxx > 0 ? sxy / sxx : 0;
  return { gmacs: slope > 0 ? 1 / (slope * 1e6) : Infinity, fixedMs: my - slope * mx };
}

export const sparseCrossoverSuite: Suite = {
  name: 'sparse-crossover',
  description: 'where the sparse kernels stop paying: dense vs sparse for three MNIST-CNN layers while the k-WTA ratio gamma grows; wasm backend, 2 threads',
  cases(mode: Mode) {
    return GAMMAS[mode].flatMap((gamma, g) => layers(mode, gamma).flatMap(({ name, layer }, i) => SPARSE_PASSES.map((pass, j) => crossCase(name, layer, pass, gamma, 500 + 31 * g + 7 * i + j))));
  },
  async environment() {
    return { kwtaWasm: kwtaBackendInfo('wasm'), modelRates: WASM_SPARSE_RATES };
  },
  notes(result: SuiteResult) {
    const notes: string[] = [];
    for (const { name } of layers(result.mode, 1)) {
      for (const pass of SPARSE_PASSES) {
        const cases = result.cases.filter((c: CaseResult) => c.params.layer === name && c.params.pass === pass);
        const gammas = cases.map((c) => Number(c.params.gamma));
        const at = (gamma: number) => layers(result.mode, gamma).find((l) => l.name === name)!.layer;
        const points = cases.map((c, i) => ({ gamma: gammas[i], ratio: c.contenders.dense.medianMs / c.contenders.sparse.medianMs }));
        const f = fit(cases.map((c, i) => ({ macs: passWork(at(gammas[i]), pass).sparseMacs, ms: c.contenders.sparse.medianMs })));
        const denseGflops = cases.map((c, i) => passWork(at(gammas[i]), pass).denseFlops / (c.contenders.dense.medianMs * 1e6));
        const model = crossoverDensity(at(gammas[0]), pass, WASM_SPARSE_RATES, true);
        notes.push(`${name} ${pass}: measured crossover gamma ${measuredCrossover(points)}, cost model ${model.toFixed(2)}; sparse fit ${f.gmacs.toFixed(2)} GMAC/s + ${f.fixedMs.toFixed(2)} ms, dense ${Math.min(...denseGflops).toFixed(0)}-${Math.max(...denseGflops).toFixed(0)} GFLOP/s`);
      }
    }
    return notes;
  },
};
