import { Generator, matmul, tensor } from '@kwta/core';
import { kwtaContender } from '../contenders/kwta.js';
import { initTfjs, tf, tfjsContender, type TfjsBackend } from '../contenders/tfjs.js';
import type { BenchCase, Mode, Suite } from '../harness/types.js';
import { CORE_RATIOS } from './ratios.js';
import { normalData } from './data.js';

type Pass = 'forward' | 'backward';

/**
 * Square matmul of size n. forward: C = A·B. backward: given dC, the two products the matmul
 * gradient needs, dA = dC·Bᵀ and dB = Aᵀ·dC (the transposed operand paths).
 */
function matmulCase(n: number, pass: Pass): BenchCase {
  const products = pass === 'forward' ? 1 : 2;
  return {
    id: `matmul ${n} ${pass === 'forward' ? 'fwd' : 'bwd'}`,
    description: pass === 'forward' ? `C = A·B, ${n}x${n}, float32` : `dA = dC·Bᵀ and dB = Aᵀ·dC, ${n}x${n}, float32`,
    params: { n, pass },
    flops: products * 2 * n ** 3,
    reference: 'tfjs-cpu',
    tolerance: 1e-4,
    ratios: CORE_RATIOS,
    contenders() {
      const gen = new Generator(1000 + n);
      const a = normalData([n, n], gen), b = normalData([n, n], gen), dc = normalData([n, n], gen);
      const tfjs = (backend: TfjsBackend) => tfjsContender(backend, () => {
        const [ta, tb, tdc] = [a, b, dc].map((v) => tf.tensor2d(v, [n, n]));
        return {
          inputs: [ta, tb, tdc],
          run: () => (pass === 'forward' ? tf.matMul(ta, tb) : [tf.matMul(tdc, tb, false, true), tf.matMul(ta, tdc, true, false)]),
          canonical: (outs) => outs.map((o) => Float32Array.from(o.dataSync() as Float32Array)),
        };
      });
      return [
        kwtaContender(() => {
          const [ka, kb, kdc] = [a, b, dc].map((v) => tensor(v, [n, n]));
          return {
            inputs: [ka, kb, kdc],
            run: () => (pass === 'forward' ? matmul(ka, kb) : [matmul(kdc, kb, { transposeB: true }), matmul(ka, kdc, { transposeA: true })]),
          };
        }),
        tfjs('cpu'),
        tfjs('wasm'),
      ];
    },
  };
}

export const matmulSuite: Suite = {
  name: 'matmul',
  description: 'Square float32 matmul, forward and the two backward products, kwta vs tfjs-backend-cpu and tfjs-backend-wasm',
  cases(mode: Mode) {
    const sizes = mode === 'full' ? [128, 256, 512] : [8, 19];
    return (['forward', 'backward'] as const).flatMap((pass) => sizes.map((n) => matmulCase(n, pass)));
  },
  async environment() {
    return { tfjs: await initTfjs() };
  },
};
