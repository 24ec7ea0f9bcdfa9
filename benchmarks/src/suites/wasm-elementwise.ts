import { Generator, add, mul, relu, sum, tensor, topkMask, type Tensor } from '@kwta/core';
import { kwtaBackendInfo } from '../contenders/backends.js';
import { kwtaContender } from '../contenders/kwta.js';
import type { BenchCase, Mode, Suite } from '../harness/types.js';
import { GAMMA } from './activation.js';
import { normalData } from './data.js';

type Op = (x: Tensor, y: Tensor) => Tensor;

/**
 * One op on the wasm path (tensors in the wasm heap, SIMD kernels on 2 threads) and on the
 * pure-TypeScript path; the ratio js / wasm is the speedup. Outputs must agree (the elementwise
 * ops, the batch-axis sum and the selection are bit-identical by construction).
 */
function opCase(id: string, description: string, xShape: number[], yShape: number[], op: Op, seed: number): BenchCase {
  return {
    id,
    description,
    params: { x: xShape.join('x'), y: yShape.join('x') || 'scalar' },
    flops: 0,
    tolerance: 1e-6,
    reference: 'js',
    ratios: [{ numerator: 'js', denominator: 'wasm' }, { numerator: 'wasm-gemm', denominator: 'wasm' }],
    contenders() {
      const gen = new Generator(seed);
      const x = normalData(xShape, gen), y = normalData(yShape, gen);
      return (['wasm', 'wasm-gemm', 'js'] as const).map((backend) => kwtaContender(() => {
        const kx = tensor(x, xShape), ky = tensor(y, yShape);
        return { inputs: [kx, ky], run: () => op(kx, ky) };
      }, { name: backend, backend }));
    },
  };
}

export const wasmElementwiseSuite: Suite = {
  name: 'wasm-elementwise',
  description: 'elementwise ops, sums and the k-WTA selection: kwta\'s WebAssembly SIMD path (wasm heap, 2 threads) vs the same backend with only GEMMs on wasm (wasm-gemm, host tensors) vs the pure-TypeScript path (js)',
  cases(mode: Mode) {
    const [B, W, S] = mode === 'full' ? [64, 20000, 16384] : [3, 37, 50];
    const k = Math.floor(GAMMA * S);
    return [
      opCase(`add [${B},${W}] + [${B},${W}]`, 'same-shape add', [B, W], [B, W], add, 1),
      opCase(`add bias [${B},${W}] + [${W}]`, 'row broadcast (a bias)', [B, W], [W], add, 2),
      opCase(`mul scalar [${B},${W}] * []`, 'scalar multiply (the SGD step size)', [B, W], [], mul, 3),
      opCase(`relu [${B},${W}]`, 'ReLU forward', [B, W], [], (x) => relu(x), 4),
      opCase(`sum batch axis [${B},${W}]`, 'sum over the batch axis (a bias gradient)', [B, W], [], (x) => sum(x, [0]), 5),
      opCase(`topkMask [${B},${S}] k ${k}`, `k-WTA selection mask, gamma ${GAMMA}`, [B, S], [], (x) => topkMask(x, k), 6),
    ];
  },
  async environment() {
    return { kwtaWasm: kwtaBackendInfo('wasm'), kwtaWasmGemm: kwtaBackendInfo('wasm-gemm'), kwtaJs: kwtaBackendInfo('js') };
  },
};
