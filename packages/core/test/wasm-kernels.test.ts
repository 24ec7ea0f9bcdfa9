import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import {
  BackendError, CpuBackend, Generator, conv2d, conv2dBackpropFilter, conv2dBackpropInput, matmul, memory, tensor, tidy, type Conv2dAttrs,
} from '../src/index.js';
import { WasmBackend, createCpuBackend, wasmSimdSupported } from '../src/backends/wasm/index.js';
import {
  naiveConv2d, naiveConv2dBackwardFilter, naiveConv2dBackwardInput, naiveMatmul, withBackend, type HostArray,
} from '../src/testing/index.js';

const FC = { seed: 20260108, numRuns: 25 };

function random(gen: Generator, shape: number[]): HostArray {
  return { values: Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => Math.fround(gen.uniform() * 4 - 2)), shape };
}

function maxRelError(got: ArrayLike<number>, want: number[]): number {
  expect(got.length).toBe(want.length);
  let worst = 0;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]) / (1 + Math.abs(want[i])));
  return worst;
}

const t32 = (h: HostArray) => tensor(Float32Array.from(h.values), h.shape, 'float32');

// Every test uses the pool with the work threshold at 0, so tile and image splits are exercised
// on shapes far smaller (and odder) than the benchmarks'.
describe('wasm kernels against the definitions (2 threads, pool forced)', () => {
  const backend = new WasmBackend({ threads: 2, minParallelFlops: 0 });
  afterAll(() => backend.dispose());

  it('runs SIMD with a worker pool here (Node has shared memory and blocking waits)', () => {
    expect(wasmSimdSupported()).toBe(true);
    expect(backend.threads).toBe(2);
    expect(createCpuBackend('js')).toBeInstanceOf(CpuBackend);
    const single = createCpuBackend('wasm', { threads: 1 });
    expect(single).toBeInstanceOf(WasmBackend);
    expect((single as WasmBackend).threads).toBe(1);
  });

  it('matmul: random sizes, transposes and broadcast batches', () => {
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 70 }), fc.integer({ min: 1, max: 70 }), fc.integer({ min: 1, max: 300 }),
      fc.boolean(), fc.boolean(), fc.constantFrom([] as number[], [3], [2, 1]), fc.integer(),
      (M, N, K, tA, tB, batch, seed) => {
        const gen = new Generator(seed);
        const a = random(gen, [...batch, ...(tA ? [K, M] : [M, K])]);
        const b = random(gen, [...(batch.length === 2 ? [3] : batch), ...(tB ? [N, K] : [K, N])]);
        const got = withBackend(backend, () => tidy(() => matmul(t32(a), t32(b), { transposeA: tA, transposeB: tB }).dataSync()));
        expect(maxRelError(got, naiveMatmul(a, b, tA, tB).values)).toBeLessThan(1e-5 * Math.sqrt(K) + 1e-6);
      },
    ), FC);
  });

  it('conv2d forward and both backward convolutions: random geometry', () => {
    fc.assert(fc.property(
      fc.record({
        N: fc.integer({ min: 1, max: 5 }), C: fc.integer({ min: 1, max: 5 }), F: fc.integer({ min: 1, max: 11 }),
        H: fc.integer({ min: 1, max: 12 }), W: fc.integer({ min: 1, max: 12 }),
        KH: fc.integer({ min: 1, max: 4 }), KW: fc.integer({ min: 1, max: 4 }),
        s: fc.integer({ min: 1, max: 3 }), p: fc.integer({ min: 0, max: 3 }), d: fc.integer({ min: 1, max: 2 }),
        seed: fc.integer(),
      }).filter(({ H, W, KH, KW, p, d }) => H + 2 * p >= d * (KH - 1) + 1 && W + 2 * p >= d * (KW - 1) + 1),
      ({ N, C, F, H, W, KH, KW, s, p, d, seed }) => {
        const gen = new Generator(seed);
        const attrs: Conv2dAttrs = { stride: [s, s], pad: [p, p], dilation: [d, d] };
        const x = random(gen, [N, C, H, W]), w = random(gen, [F, C, KH, KW]);
        const y = naiveConv2d(x, w, attrs);
        const dy = random(gen, y.shape);
        const [gy, gdx, gdw] = withBackend(backend, () => tidy(() => [
          conv2d(t32(x), t32(w), { stride: s, padding: p, dilation: d }).dataSync(),
          conv2dBackpropInput(t32(dy), t32(w), x.shape, attrs).dataSync(),
          conv2dBackpropFilter(t32(x), t32(dy), w.shape, attrs).dataSync(),
        ]));
        expect(maxRelError(gy, y.values)).toBeLessThan(1e-4);
        expect(maxRelError(gdx, naiveConv2dBackwardInput(dy, w, x.shape, attrs).values)).toBeLessThan(1e-4);
        expect(maxRelError(gdw, naiveConv2dBackwardFilter(x, dy, w.shape, attrs).values)).toBeLessThan(1e-4);
      },
    ), FC);
  });

  it('float64 stays on the TypeScript kernels (bit-identical to the CPU backend)', () => {
    const gen = new Generator(5);
    const a = random(gen, [9, 13]), b = random(gen, [13, 6]);
    const run = (be: WasmBackend | CpuBackend) => withBackend(be, () => tidy(() =>
      matmul(tensor(Float64Array.from(a.values), a.shape, 'float64'), tensor(Float64Array.from(b.values), b.shape, 'float64')).dataSync()));
    expect(Array.from(run(backend))).toEqual(Array.from(run(new CpuBackend())));
  });

  it('a kernel that traps raises a BackendError (on whichever thread) and the pool keeps working', () => {
    const rt = backend.context.rt;
    const outside = 2 ** 31; // far past the memory's end
    const bad = Array.from({ length: 8 }, () => [{ fn: 'col2im' as const, args: [outside, outside, outside, 1] }]);
    expect(() => rt.run(bad, 0)).toThrow(BackendError);
    const gen = new Generator(3);
    const a = random(gen, [40, 30]), b = random(gen, [30, 20]);
    const got = withBackend(backend, () => tidy(() => matmul(t32(a), t32(b)).dataSync()));
    expect(maxRelError(got, naiveMatmul(a, b, false, false).values)).toBeLessThan(1e-5);
  });

  it('leaks nothing: live buffers stay flat over repeated wasm kernels', () => {
    withBackend(backend, () => {
      const gen = new Generator(9);
      const x = t32(random(gen, [4, 3, 10, 10])).keep(), w = t32(random(gen, [8, 3, 3, 3])).keep();
      const step = () => tidy(() => {
        const y = conv2d(x, w, { padding: 1 }).reshape([4, -1]);
        matmul(y, y, { transposeB: true });
      });
      step();
      const before = memory();
      for (let i = 0; i < 5; i++) step();
      expect(memory()).toEqual(before);
      x.dispose();
      w.dispose();
    });
  });
});
