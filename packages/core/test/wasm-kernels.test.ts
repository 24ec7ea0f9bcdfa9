import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import {
  BackendError, CpuBackend, Generator, conv2d, matmul, memory, tensor, tidy, type Conv2dAttrs,
} from '../src/index.js';
import { conv2dBackwardFilter, conv2dBackwardInput, wasmContext } from '../src/internal.js';
import { WasmBackend, createCpuBackend, wasmSimdSupported } from '../src/backends/wasm/index.js';
import { GEOMETRY_FIELDS } from '../src/backends/wasm/emit/conv.js';
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
      fc.boolean(), fc.boolean(), fc.constantFrom([] as number[], [3], [2, 1]), fc.nat(),
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
        seed: fc.nat(),
      }).filter(({ H, W, KH, KW, p, d }) => H + 2 * p >= d * (KH - 1) + 1 && W + 2 * p >= d * (KW - 1) + 1),
      ({ N, C, F, H, W, KH, KW, s, p, d, seed }) => {
        const gen = new Generator(seed);
        const attrs: Conv2dAttrs = { stride: [s, s], pad: [p, p], dilation: [d, d] };
        const x = random(gen, [N, C, H, W]), w = random(gen, [F, C, KH, KW]);
        const y = naiveConv2d(x, w, attrs);
        const dy = random(gen, y.shape);
        const [gy, gdx, gdw] = withBackend(backend, () => tidy(() => [
          conv2d(t32(x), t32(w), { stride: s, padding: p, dilation: d }).dataSync(),
          conv2dBackwardInput(t32(dy), t32(w), x.shape, attrs).dataSync(),
          conv2dBackwardFilter(t32(x), t32(dy), w.shape, attrs).dataSync(),
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
    const rt = wasmContext(backend).rt;
    const outside = 2 ** 31; // far past the memory's end
    const bad = Array.from({ length: 8 }, () => [{ fn: 'col2im' as const, args: [outside, outside, outside, 1] }]);
    expect(() => rt.run(bad, 0)).toThrow(BackendError);
    const gen = new Generator(3);
    const a = random(gen, [40, 30]), b = random(gen, [30, 20]);
    const got = withBackend(backend, () => tidy(() => matmul(t32(a), t32(b)).dataSync()));
    expect(maxRelError(got, naiveMatmul(a, b, false, false).values)).toBeLessThan(1e-5);
  });

  // The unfold kernels copy and add 4 floats at a time for strides 1 and 2 between per-row
  // bounds: checked here on their own, to the bit, against the definition (widths up to 40, so
  // the vector loops, their tails and the padded edges all run), with sentinels around every
  // buffer. A sentinel of -0 turns into +0 if anything adds (even 0) onto it.
  it('im2col and col2im: exactly the definition, nothing written outside their rows or image', () => {
    const { rt, arena } = wasmContext(backend);
    fc.assert(fc.property(
      fc.record({
        C: fc.integer({ min: 1, max: 3 }), H: fc.integer({ min: 1, max: 9 }), W: fc.integer({ min: 1, max: 40 }),
        KH: fc.integer({ min: 1, max: 3 }), KW: fc.integer({ min: 1, max: 5 }),
        sh: fc.integer({ min: 1, max: 3 }), sw: fc.integer({ min: 1, max: 3 }), ph: fc.integer({ min: 0, max: 3 }), pw: fc.integer({ min: 0, max: 3 }),
        dh: fc.integer({ min: 1, max: 2 }), dw: fc.integer({ min: 1, max: 2 }), extra: fc.integer({ min: 0, max: 5 }), seed: fc.nat(),
      }).filter(({ H, W, KH, KW, ph, pw, dh, dw }) => H + 2 * ph >= dh * (KH - 1) + 1 && W + 2 * pw >= dw * (KW - 1) + 1),
      (geo) => {
        const { C, H, W, KH, KW, sh, sw, ph, pw, dh, dw, extra } = geo;
        const OH = Math.floor((H + 2 * ph - dh * (KH - 1) - 1) / sh) + 1, OW = Math.floor((W + 2 * pw - dw * (KW - 1) - 1) / sw) + 1;
        const rows = C * KH * KW, ld = OH * OW + extra, img = C * H * W;
        const gen = new Generator(geo.seed);
        const x = Float32Array.from({ length: img }, () => gen.uniform() * 4 - 2);
        const cols = Float32Array.from({ length: rows * ld }, () => gen.uniform() * 4 - 2);
        // Definitions: where (row, p) reads from, or -1 in the padding.
        const source = (r: number, p: number): number => {
          const c = Math.floor(r / (KH * KW)), i = Math.floor(r / KW) % KH, j = r % KW;
          const ih = Math.floor(p / OW) * sh - ph + i * dh, iw = (p % OW) * sw - pw + j * dw;
          return ih >= 0 && ih < H && iw >= 0 && iw < W ? (c * H + ih) * W + iw : -1;
        };
        const wantCols = new Float32Array(rows * ld).fill(-0);
        const wantDx = new Float32Array(img);
        for (let r = 0; r < rows; r++) {
          for (let p = 0; p < OH * OW; p++) {
            const s = source(r, p);
            wantCols[r * ld + p] = s < 0 ? 0 : x[s];
            if (s >= 0) wantDx[s] = Math.fround(wantDx[s] + cols[r * ld + p]);
          }
        }
        const guard = 256; // floats of -0 before and after each buffer
        arena.reset();
        const block = arena.alloc(GEOMETRY_FIELDS.length * 4);
        const fields: Record<string, number> = { C, H, W, KH, KW, sh, sw, ph, pw, dh, dw, OH, OW };
        GEOMETRY_FIELDS.forEach((name, k) => { rt.i32[block / 4 + k] = fields[name]; });
        const xAt = arena.alloc(img * 4, guard * 4), colsAt = arena.alloc(rows * ld * 4, guard * 4);
        const dxAt = arena.alloc(img * 4, guard * 4), colsIn = arena.put(cols);
        const f32 = rt.f32;
        f32.fill(-0, xAt / 4 - guard, xAt / 4 + img + guard);
        f32.set(x, xAt / 4);
        f32.fill(-0, colsAt / 4 - guard, colsAt / 4 + rows * ld + guard);
        f32.fill(-0, dxAt / 4 - guard, dxAt / 4 + img + guard);
        f32.fill(0, dxAt / 4, dxAt / 4 + img); // as the backend's zero-filled dx
        rt.run([[{ fn: 'im2col', args: [xAt, block, colsAt, ld] }]], 0, 1);
        rt.run([[{ fn: 'col2im', args: [dxAt, block, colsIn, ld] }]], 0, 1);
        const gotCols = f32.slice(colsAt / 4 - guard, colsAt / 4 + rows * ld + guard);
        const gotDx = f32.slice(dxAt / 4 - guard, dxAt / 4 + img + guard);
        const negZeros = new Float32Array(guard).fill(-0);
        expect(Array.from(gotCols)).toEqual([...negZeros, ...wantCols, ...negZeros]);
        expect(Array.from(gotDx)).toEqual([...negZeros, ...wantDx, ...negZeros]);
      },
    ), {
      ...FC, numRuns: 300,
      // Stride-2 rows whose last vector block ends exactly at the row's end (W = 7, 15): one
      // more float would be the next row or, on the last row, the next image.
      examples: [7, 15].flatMap((W) => [1, 2].map((sh) => [{ C: 2, H: 3, W, KH: 1, KW: 1, sh, sw: 2, ph: 0, pw: 0, dh: 1, dw: 1, extra: 0, seed: 1 }])),
    });
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
