/**
 * Register-tile and cache-block tuning for the emitted GEMM: times gemm_tiles alone (packed
 * operands already in memory, one thread) for several (MR, NR, KC, MC).
 *   npx esbuild packages/core/bench/gemm-tiles.ts --bundle --platform=node --format=esm --outfile=/tmp/t.mjs && node /tmp/t.mjs
 */
import { kernelModuleBytes } from '../src/backends/wasm/emit/module.js';
import type { GemmShape } from '../src/backends/wasm/emit/gemm.js';

const SHAPES: GemmShape[] = [
  { MR: 4, NR: 8, KC: 128, MC: 32 }, { MR: 4, NR: 8, KC: 256, MC: 64 }, { MR: 4, NR: 8, KC: 512, MC: 128 },
  { MR: 6, NR: 8, KC: 128, MC: 32 }, { MR: 3, NR: 16, KC: 128, MC: 32 }, { MR: 4, NR: 12, KC: 128, MC: 32 },
];

for (const g of SHAPES) {
  const memory = new WebAssembly.Memory({ initial: 2000, maximum: 65536 });
  const e = new WebAssembly.Instance(new WebAssembly.Module(kernelModuleBytes(g, false) as BufferSource), { env: { memory } })
    .exports as Record<string, (...a: number[]) => void>;
  const row: string[] = [];
  for (const n of [256, 512, 1024]) {
    const mP = Math.ceil(n / g.MR), nP = Math.ceil(n / g.NR);
    const pa = 1 << 20, pb = pa + mP * g.MR * n * 4, c = pb + nP * g.NR * n * 4;
    let best = Infinity;
    for (let r = 0; r < 7; r++) {
      const t0 = performance.now();
      e.gemm_tiles(pa, pb, c, nP * g.NR * 4, mP, nP, n, 0);
      best = Math.min(best, performance.now() - t0);
    }
    row.push(`${n}: ${((2 * n ** 3) / best / 1e6).toFixed(1)}`);
  }
  console.log(`MR ${g.MR} NR ${g.NR} KC ${g.KC} MC ${g.MC} — GFLOP/s ${row.join(', ')}`);
}
