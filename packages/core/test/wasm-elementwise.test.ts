import fc from 'fast-check';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { CpuBackend, ValueError, type Backend, type BinaryOp, type KernelAttrs, type KernelName, type TensorInfo } from '../src/index.js';
import { wasmContext } from '../src/internal.js';
import { WasmBackend } from '../src/backends/wasm/index.js';
import { WASM_BINARY_OPS, WASM_UNARY_OPS } from '../src/ops/definitions/index.js';
import { WASM_CONFIGS } from './wasm-configs.js';

// The elementwise, sum and k-WTA selection kernels on wasm against the TypeScript kernels they
// replace, through Backend.run (so every case is known to reach the wasm kernel, not the
// fallback), with the pool forced on for tiny shapes. Where the arithmetic is the same
// (elementwise ops, column sums, the selection) the bits must match exactly.
const FC = { seed: 20261125, numRuns: 60 };
const cpu = new CpuBackend();

function put(b: Backend, values: Float32Array, shape: number[]): TensorInfo {
  const dataId = b.alloc('float32', values.length);
  b.write(dataId, values);
  return { dataId, shape, dtype: 'float32' };
}

/** Run a kernel on both backends; also report whether the wasm backend dispatched wasm work. */
function both<K extends KernelName>(wasm: WasmBackend, kernel: K, inputs: { values: Float32Array; shape: number[] }[], attrs: KernelAttrs[K]) {
  const spy = vi.spyOn(wasmContext(wasm).rt, 'run');
  try {
    const [w] = wasm.run(kernel, inputs.map((i) => put(wasm, i.values, i.shape)), attrs);
    const [c] = cpu.run(kernel, inputs.map((i) => put(cpu, i.values, i.shape)), attrs);
    return { got: wasm.read(w.dataId), want: cpu.read(c.dataId), shape: w.shape, wantShape: c.shape, usedWasm: spy.mock.calls.length > 0 };
  } finally {
    spy.mockRestore();
  }
}

/** Same bits, with every NaN counted equal to every other. */
function expectSameBits(got: ArrayLike<number>, want: ArrayLike<number>): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    if (!Object.is(got[i], want[i]) && !(Number.isNaN(got[i]) && Number.isNaN(want[i]))) {
      expect.fail(`element ${i}: got ${got[i]}, want ${want[i]}`);
    }
  }
}

const special = fc.constantFrom(NaN, 0, -0, Infinity, -Infinity, 1, -1, 0.5);
const value = fc.oneof({ weight: 8, arbitrary: fc.float({ min: -4, max: 4, noNaN: true }) }, { weight: 1, arbitrary: special });
const floats = (n: number) => fc.array(value, { minLength: n, maxLength: n }).map((v) => Float32Array.from(v));
const dims = fc.array(fc.integer({ min: 1, max: 11 }), { minLength: 1, maxLength: 3 });

describe.each(WASM_CONFIGS)('wasm elementwise, sums and selection, %s, pool forced', (_label, opts) => {
  const wasm = new WasmBackend({ ...opts, minParallelFlops: 0 });
  afterAll(() => wasm.dispose());

  it('binary ops: same shape, scalar and row broadcasts on either side, odd lengths', () => {
    const layouts = ['same', 'scalarA', 'scalarB', 'rowA', 'rowB'] as const;
    fc.assert(fc.property(
      fc.constantFrom(...WASM_BINARY_OPS), fc.constantFrom(...layouts), dims, fc.integer({ min: 0, max: 2 }),
      (op, layout, shape, rowRank) => {
        const size = shape.reduce((a, b) => a * b, 1);
        const small = layout.startsWith('scalar') ? [1] : layout.startsWith('row') ? shape.slice(shape.length - Math.min(rowRank + 1, shape.length)) : shape;
        const smallSize = small.reduce((a, b) => a * b, 1);
        return fc.assert(fc.property(floats(size), floats(smallSize), (big, other) => {
          const full = { values: big, shape }, part = { values: other, shape: small };
          const inputs = layout.endsWith('A') ? [part, full] : [full, part];
          const r = both(wasm, 'binary', inputs, { op });
          expect(r.usedWasm).toBe(true);
          expect(r.shape).toEqual(r.wantShape);
          expectSameBits(r.got, r.want);
        }), { numRuns: 3, seed: size });
      },
    ), FC);
  });

  it('other broadcasts and pow fall back to the TypeScript kernel', () => {
    const a = { values: Float32Array.from([1, 2, 3]), shape: [3, 1] }, b = { values: Float32Array.from([4, 5]), shape: [1, 2] };
    const r = both(wasm, 'binary', [a, b], { op: 'add' });
    expect(r.usedWasm).toBe(false);
    expectSameBits(r.got, r.want);
    expect(both(wasm, 'binary', [a, a], { op: 'pow' }).usedWasm).toBe(false);
  });

  it('unary ops with a wasm kernel (NaN, -0 and tails included)', () => {
    fc.assert(fc.property(fc.constantFrom(...WASM_UNARY_OPS), fc.integer({ min: 1, max: 70 }).chain((n) => floats(n)), (op, x) => {
      const r = both(wasm, 'unary', [{ values: x, shape: [x.length] }], { op });
      expect(r.usedWasm).toBe(true);
      expectSameBits(r.got, r.want);
    }), FC);
  });

  it('sum over leading axes: the TypeScript kernel\'s bits (float64, row order)', () => {
    fc.assert(fc.property(dims, fc.integer({ min: 1, max: 40 }), fc.nat(), (shape, rows, seed) => {
      const full = [rows, ...shape];
      const n = full.reduce((a, b) => a * b, 1);
      const x = Float32Array.from({ length: n }, (_, i) => Math.fround(Math.sin(seed + i * 12.9898) * 1000));
      const r = both(wasm, 'reduce', [{ values: x, shape: full }], { op: 'sum', axes: [0] });
      expect(r.usedWasm).toBe(true);
      expect(r.shape).toEqual(shape);
      expectSameBits(r.got, r.want);
    }), FC);
  });

  it('sum over trailing axes and over everything: within float32 rounding of the sequential sum', () => {
    fc.assert(fc.property(dims, fc.integer({ min: 1, max: 300 }), fc.boolean(), fc.nat(), (lead, C, all, seed) => {
      const shape = [...lead, C];
      const n = shape.reduce((a, b) => a * b, 1);
      const x = Float32Array.from({ length: n }, (_, i) => Math.fround(Math.sin(seed + i * 78.233) * 10));
      const axes = all ? shape.map((_, d) => d) : [shape.length - 1];
      const r = both(wasm, 'reduce', [{ values: x, shape }], { op: 'sum', axes });
      expect(r.usedWasm).toBe(true);
      expect(r.shape).toEqual(r.wantShape);
      for (let i = 0; i < r.want.length; i++) expect(Math.abs(r.got[i] - r.want[i])).toBeLessThanOrEqual(1e-6 * (1 + Math.abs(r.want[i])) + 1e-9 * n);
    }), FC);
  });

  it('a sum over more than one piece of SUM_PIECE floats, and max, middle axes falling back', () => {
    const n = 200_003;
    const x = Float32Array.from({ length: n }, (_, i) => ((i * 7919) % 1000) / 1000);
    const r = both(wasm, 'reduce', [{ values: x, shape: [n] }], { op: 'sum', axes: [0] });
    expect(r.usedWasm).toBe(true);
    expect(Math.abs(r.got[0] - r.want[0])).toBeLessThanOrEqual(Math.abs(r.want[0]) * 1e-6);
    const m = { values: Float32Array.from({ length: 24 }, (_, i) => i % 5), shape: [2, 3, 4] };
    expect(both(wasm, 'reduce', [m], { op: 'max', axes: [1] }).usedWasm).toBe(false);
    expect(both(wasm, 'reduce', [m], { op: 'sum', axes: [1] }).usedWasm).toBe(false);
  });

  it('per-channel broadcast ([N, C, H, W] op [1, C, 1, 1]; images down to 1 x 1) and sums over all axes but the channels', () => {
    fc.assert(fc.property(
      fc.constantFrom<BinaryOp>('add', 'sub', 'mul', 'maximum'), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 6 }),
      fc.integer({ min: 1, max: 7 }), fc.integer({ min: 1, max: 9 }), fc.nat(),
      (op, N, C, H, W, seed) => {
        const x = Float32Array.from({ length: N * C * H * W }, (_, i) => Math.fround(Math.sin(seed + i * 4.1) * 100));
        const bias = Float32Array.from({ length: C }, (_, i) => Math.fround(Math.cos(seed + i)));
        const r = both(wasm, 'binary', [{ values: x, shape: [N, C, H, W] }, { values: bias, shape: [1, C, 1, 1] }], { op });
        expect(r.usedWasm).toBe(true);
        expectSameBits(r.got, r.want);
        const s = both(wasm, 'reduce', [{ values: x, shape: [N, C, H, W] }], { op: 'sum', axes: [0, 2, 3] });
        expect(s.usedWasm).toBe(true);
        expect(s.shape).toEqual([C]);
        expectSameBits(s.got, s.want);
      },
    ), FC);
  });

  it('a per-channel broadcast over many small runs (a conv bias on 1100 images of 2 x 7) stays on wasm, bit for bit', () => {
    // 1100 x 32 = 35,200 (image, channel) runs of 14 elements (a vector part and a tail each), split over the tasks.
    const [N, C, H, W] = [1100, 32, 2, 7];
    const x = Float32Array.from({ length: N * C * H * W }, (_, i) => Math.fround(Math.sin(i * 0.37) * 10));
    const bias = Float32Array.from({ length: C }, (_, i) => Math.fround(Math.cos(i)));
    const r = both(wasm, 'binary', [{ values: x, shape: [N, C, H, W] }, { values: bias, shape: [1, C, 1, 1] }], { op: 'add' });
    expect(r.usedWasm).toBe(true);
    expectSameBits(r.got, r.want);
  });

  it('compare against a scalar and where(mask, x, y | scalar): the ReLU and k-WTA masks', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 90 }).chain((n) => fc.tuple(floats(n), floats(n))), fc.constantFrom('greater', 'less') , fc.boolean(), ([x, y], op, scalarY) => {
      const n = x.length;
      const threshold = { values: Float32Array.of(0), shape: [] };
      const m = both(wasm, 'compare', [{ values: x, shape: [n] }, threshold], { op: op as 'greater' | 'less' });
      expect(m.usedWasm).toBe(true);
      expect(Array.from(m.got)).toEqual(Array.from(m.want));
      // where with a bool condition: build it on each backend from the same bytes.
      const spy = vi.spyOn(wasmContext(wasm).rt, 'run');
      const cond = (b: Backend) => {
        const dataId = b.alloc('bool', n);
        b.write(dataId, Uint8Array.from(m.want, (v, i) => (v ? 1 + (i % 3) : 0)));
        return { dataId, shape: [n], dtype: 'bool' as const };
      };
      const yIn = scalarY ? { values: Float32Array.of(y[0]), shape: [] as number[] } : { values: y, shape: [n] };
      const [w] = wasm.run('where', [cond(wasm), put(wasm, x, [n]), put(wasm, yIn.values, yIn.shape)], {});
      const [c] = cpu.run('where', [cond(cpu), put(cpu, x, [n]), put(cpu, yIn.values, yIn.shape)], {});
      expect(spy).toHaveBeenCalled();
      spy.mockRestore();
      expectSameBits(wasm.read(w.dataId), cpu.read(c.dataId));
    }), FC);
  });

  it('topkMask: exactly k winners per row, ties to the lower index, bit-identical to TypeScript', () => {
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 90 }), fc.integer({ min: 1, max: 6 }), fc.nat(),
      (rows, n, distinct, seed) => {
        // Few distinct values: many ties with the k-th value.
        const x = Float32Array.from({ length: rows * n }, (_, i) => (Math.abs(Math.floor(Math.sin(seed + i) * 1e4)) % distinct) - (i % 3 === 0 ? 0 : 0.5));
        for (const k of [1, Math.ceil(n / 3), n]) {
          const r = both(wasm, 'topkMask', [{ values: x, shape: [rows, n] }], { k });
          expect(r.usedWasm).toBe(true);
          expect(Array.from(r.got)).toEqual(Array.from(r.want));
          for (let row = 0; row < rows; row++) expect(Array.from(r.got.subarray(row * n, (row + 1) * n)).reduce((a, b) => a + b, 0)).toBe(k);
        }
      },
    ), FC);
  });

  it('topkMask on long rows (the sampled bracket): random, tied, sorted and constant rows', () => {
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1024, max: 3000 }), fc.constantFrom('normal', 'ties', 'ascending', 'descending', 'constant'),
      fc.double({ min: 0, max: 1, noNaN: true }), fc.nat(),
      (rows, n, kind, gamma, seed) => {
        const x = Float32Array.from({ length: rows * n }, (_, i) => {
          const j = i % n;
          if (kind === 'ascending') return j;
          if (kind === 'descending') return -j;
          if (kind === 'constant') return 1.5;
          const u = Math.sin(seed + i * 12.9898) * 43758.5453;
          return kind === 'ties' ? Math.floor((u - Math.floor(u)) * 7) : Math.fround(u - Math.floor(u) - 0.5);
        });
        const k = Math.min(n, Math.max(1, Math.round(gamma * n)));
        const r = both(wasm, 'topkMask', [{ values: x, shape: [rows, n] }], { k });
        expect(r.usedWasm).toBe(true);
        expect(Buffer.from(r.got.buffer, r.got.byteOffset, r.got.byteLength).equals(Buffer.from(r.want.buffer, r.want.byteOffset, r.want.byteLength))).toBe(true);
      },
    ), { ...FC, numRuns: 40 });
  });

  it('topkMask refuses NaN with the TypeScript kernel\'s error (first row holding one)', () => {
    const x = new Float32Array(4 * 10).fill(1);
    x[2 * 10 + 7] = NaN;
    x[3 * 10 + 1] = NaN;
    const input = put(wasm, x, [4, 10]);
    const before = wasm.memory();
    expect(() => wasm.run('topkMask', [input], { k: 3 })).toThrow(ValueError);
    expect(() => wasm.run('topkMask', [input], { k: 3 })).toThrow('topk: row 2 contains NaN at position 7');
    expect(wasm.memory()).toEqual(before);
    wasm.free(input.dataId);
    // Long rows (the sampling path): the first NaN of the first row holding one, wherever it is.
    for (const at of [5, 16 * 7, 2047, 2000]) {
      const long = Float32Array.from({ length: 3 * 2048 }, (_, i) => Math.sin(i));
      long[2048 + at] = NaN;
      long[2048 + 2040] = NaN;
      long[2 * 2048 + 1] = NaN;
      const t = put(wasm, long, [3, 2048]);
      expect(() => wasm.run('topkMask', [t], { k: 200 })).toThrow(`topk: row 1 contains NaN at position ${Math.min(at, 2040)};`);
      wasm.free(t.dataId);
    }
  });
});
