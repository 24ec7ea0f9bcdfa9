import { Generator, matmul, tensor } from '@kwta/core';
import { kwtaBackendInfo, WASM_THREADS } from '../contenders/backends.js';
import { kwtaContender } from '../contenders/kwta.js';
import { initTfjs, tf, tfjsContender } from '../contenders/tfjs.js';
import { simdPeak, type SimdPeak } from '../harness/peak.js';
import type { BenchCase, Mode, Suite } from '../harness/types.js';
import { normalData } from './data.js';

/**
 * Issue 8's matmul target: the WebAssembly SIMD path on 2 threads at least 1.3x faster than
 * tfjs-backend-wasm (XNNPACK, 1 thread in Node) in the same run; the pure-TypeScript path for
 * reference (it is also the agreement reference: the obviously-correct kernels).
 */
function wasmMatmulCase(n: number, repeat = 1): BenchCase {
  return {
    id: repeat === 1 ? `matmul ${n} fwd` : `matmul ${n} fwd x${repeat}`,
    description: repeat === 1
      ? `C = A·B, ${n}x${n}, float32, one product per timed run (a cold call: the harness collects garbage before it)`
      : `C = A·B, ${n}x${n}, float32, ${repeat} products back to back per timed run (as in a training or attack loop)`,
    params: { n, repeat, kwtaWasmThreads: WASM_THREADS },
    flops: 2 * n ** 3 * repeat,
    reference: 'kwta-js',
    tolerance: 1e-4,
    ratios: [
      { numerator: 'tfjs-wasm', denominator: 'kwta-wasm', target: { min: 1.3 } },
      { numerator: 'kwta-js', denominator: 'kwta-wasm' },
    ],
    contenders() {
      const gen = new Generator(3000 + n);
      const a = normalData([n, n], gen), b = normalData([n, n], gen);
      const kwta = (backend: 'wasm' | 'js') => kwtaContender(() => {
        const [ka, kb] = [a, b].map((v) => tensor(v, [n, n]));
        return { inputs: [ka, kb], run: () => repeatLast(repeat, () => matmul(ka, kb)) };
      }, { name: `kwta-${backend}`, backend });
      return [
        kwta('wasm'),
        tfjsContender('wasm', () => {
          const [ta, tb] = [a, b].map((v) => tf.tensor2d(v, [n, n]));
          return {
            inputs: [ta, tb],
            run: () => repeatLast(repeat, () => tf.matMul(ta, tb)),
            canonical: (outs) => outs.map((o) => Float32Array.from(o.dataSync() as Float32Array)),
          };
        }),
        kwta('js'),
      ];
    },
  };
}

/** Run `f` `times` times and return the last result (the contenders' scopes free the others). */
function repeatLast<T>(times: number, f: () => T): T {
  let r = f();
  for (let i = 1; i < times; i++) r = f();
  return r;
}

let peak: SimdPeak | undefined;

export const wasmMatmulSuite: Suite = {
  name: 'wasm-matmul',
  description: `Square float32 matmul forward: kwta's WebAssembly SIMD path (${WASM_THREADS} threads) vs tfjs-backend-wasm (XNNPACK), with kwta's pure-TypeScript path for reference; GFLOP/s against the 2-core 128-bit SIMD peak`,
  cases(mode: Mode) {
    return mode === 'full'
      ? [wasmMatmulCase(256), wasmMatmulCase(256, 10), wasmMatmulCase(512), wasmMatmulCase(1024)]
      : [wasmMatmulCase(8), wasmMatmulCase(8, 3), wasmMatmulCase(37)];
  },
  async environment() {
    const tfjs = await initTfjs();
    peak = simdPeak(WASM_THREADS);
    return { tfjs, kwtaWasm: kwtaBackendInfo('wasm'), kwtaJs: kwtaBackendInfo('js'), simdPeak: peak };
  },
  notes(result) {
    const p = (result.environment.simdPeak ?? peak) as SimdPeak;
    const clock = `measured clock ${p.measuredGHz} GHz${p.cpuinfoMHz === null ? '' : ` (/proc/cpuinfo: ${p.cpuinfoMHz} MHz)`}`;
    const lines = [`128-bit SIMD peak on ${p.cores} cores: ${p.peakGflops} GFLOP/s (${p.assumption}; ${clock}; at the /proc/cpuinfo clock: ${p.peakGflopsAtCpuinfoClock ?? '?'} GFLOP/s)`];
    for (const c of result.cases) {
      const parts = (['kwta-wasm', 'tfjs-wasm'] as const).map((name) => {
        const g = c.contenders[name]?.gflops ?? 0;
        return `${name} ${g} GFLOP/s = ${((100 * g) / p.peakGflops).toFixed(0)}% of peak`;
      });
      lines.push(`${c.id}: ${parts.join(', ')}`);
    }
    return lines;
  },
};
