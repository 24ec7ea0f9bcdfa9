import { Generator, kWinners, mul, relu, sum, tensor, tidy, valueAndGrad, type Tensor } from '@kwta/core';
import { kwtaContender } from '../contenders/kwta.js';
import type { BenchCase, RatioSpec } from '../harness/types.js';
import { normalData } from './data.js';

/** k-WTA's sparsity in every overhead benchmark: the paper's gamma = 0.1. */
export const GAMMA = 0.1;

/** The CPU paths k-WTA is compared on: the WebAssembly SIMD backend and the pure-TypeScript one. */
export const CPU_PATHS = ['wasm', 'js'] as const;
export type CpuPath = (typeof CPU_PATHS)[number];

/** Contender names: `${activation}-${path}`, e.g. 'kwta-wasm', 'relu-js'. */
export const contenderName = (act: 'relu' | 'kwta', path: CpuPath): string => `${act}-${path}`;

/** k-WTA at most `max` times ReLU on each path; the wasm run checked against the js run. */
export function overheadRatios(max: number): { ratios: RatioSpec[]; reference: string; referenceFor: Record<string, string> } {
  return {
    ratios: CPU_PATHS.map((p) => ({ numerator: contenderName('kwta', p), denominator: contenderName('relu', p), target: { max } })),
    reference: contenderName('kwta', 'js'),
    referenceFor: { [contenderName('relu', 'wasm')]: contenderName('relu', 'js'), [contenderName('relu', 'js')]: contenderName('relu', 'js') },
  };
}

/**
 * k-WTA (gamma 0.1 over everything after the batch axis, k = floor(0.1·N)) against ReLU,
 * forward + backward: the gradient of sum(act(x) ⊙ r) with respect to x for a fixed random r,
 * i.e. the activation, its backward pass and the few elementwise ops a training step wraps
 * around them (the same in both). Outputs checked: act(x) and dx, each path against the js one.
 */
export function activationCase(label: string, shape: number[], seed: number): BenchCase {
  const n = shape.slice(1).reduce((a, b) => a * b, 1);
  const k = Math.floor(GAMMA * n);
  return {
    id: `${label} [${shape.join(',')}]`,
    description: `k-WTA (k = ${k} of ${n} per sample) vs ReLU, forward + backward (d/dx of sum(act(x)·r)), x [${shape}], float32`,
    params: { shape: shape.join('x'), gamma: GAMMA, k },
    flops: 0,
    tolerance: 1e-6,
    ...overheadRatios(1.5),
    contenders() {
      const gen = new Generator(seed);
      const x = normalData(shape, gen), r = normalData(shape, gen);
      const acts = { relu, kwta: (t: Tensor) => kWinners(t, k) };
      return CPU_PATHS.flatMap((path) => (['relu', 'kwta'] as const).map((act) => kwtaContender(() => {
        const kx = tensor(x, shape), kr = tensor(r, shape);
        const f = acts[act];
        const fwdBwd = valueAndGrad((t: Tensor) => sum(mul(f(t), kr)));
        return {
          inputs: [kx, kr],
          run: () => fwdBwd(kx).grads[0],
          outputs: () => tidy(() => [f(kx), fwdBwd(kx).grads[0]].map((t) => Float32Array.from(t.dataSync()))),
        };
      }, { name: contenderName(act, path), backend: path })));
    },
  };
}
