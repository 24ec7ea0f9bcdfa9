import { FnBuilder } from '../src/backends/wasm/emit/builder.js';
import { encodeModule } from '../src/backends/wasm/emit/encoder.js';

/**
 * Estimate the core clock: a wasm loop of 32 dependent i32 adds per iteration (1 cycle latency
 * each on x86; the loop counter runs alongside), so cycles ≈ 32 × iterations.
 */
export function measureClockGHz(): number {
  const f = FnBuilder.i32Params('chain', 2);
  const [n, y] = [0, 1];
  const x = f.local();
  f.doWhile(() => {
    for (let i = 0; i < 32; i++) f.get(x).get(y).add().set(x);
    f.inc(n, -1);
  }, () => f.get(n));
  // Keep x alive: store it so the chain cannot be dropped.
  f.i32(0).get(x).i32store();
  const bytes = encodeModule([f.def()], { initialPages: 1, maximumPages: 1, shared: false });
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 1 });
  const chain = new WebAssembly.Instance(new WebAssembly.Module(bytes as BufferSource), { env: { memory } }).exports.chain as (n: number, y: number) => void;
  const iters = 2e7;
  chain(1e5, 3);
  let best = Infinity;
  for (let r = 0; r < 5; r++) {
    const t0 = performance.now();
    chain(iters, r + 1);
    best = Math.min(best, performance.now() - t0);
  }
  return (32 * iters) / (best * 1e6);
}
