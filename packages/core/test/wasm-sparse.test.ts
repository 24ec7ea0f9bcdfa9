import fc from 'fast-check';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { DTypeError, Generator, ValueError, type TensorInfo } from '../src/index.js';
import { WasmBackend } from '../src/backends/wasm/index.js';
import { wasmContext } from '../src/internal.js';
import { nonzeroRows, winnersFromMask, type SparseRows } from '../src/backends/cpu/sparse-rows.js';
import type { FloatArray } from '../src/backends/cpu/types.js';
import { extractNonzerosWasm, extractWinnersWasm, densifyWasm, type RowsInWasm } from '../src/backends/wasm/sparse-rows.js';
import {
  packLinearWeight, sparseLinearInputGradWasm, sparseLinearWasm, sparseLinearWeightGradWasm,
} from '../src/backends/wasm/sparse-linear.js';
import { sparseConv2dBackwardFilterWasm, sparseConv2dBackwardInputWasm, sparseConv2dWasm } from '../src/backends/wasm/sparse-conv.js';
import { WASM_CONFIGS } from './wasm-configs.js';
import {
  F32_TOL, FC, ROW_KINDS, convCase, convOutputSize, denseConv, denseMatmul, kOf, kwta, relError, rows32, type RowKind,
} from './sparse-cases.js';

const kinds = fc.array(fc.constantFrom<RowKind>(...ROW_KINDS), { minLength: 1, maxLength: 4 });
const gamma = fc.double({ min: 0.01, max: 1, noNaN: true });

/** Dense values at x's winners are what the sparse input gradient keeps: the dense gradient masked. */
function masked(dense: ArrayLike<number>, mask: Uint8Array): number[] {
  return Array.from(dense, (v, i) => (mask[i] ? v : 0));
}

for (const [label, opts] of WASM_CONFIGS) {
  describe(`wasm sparse kernels against the dense CPU kernels (${label}, pool forced)`, () => {
    const backend = new WasmBackend({ ...opts, minParallelFlops: 0 });
    const ctx = wasmContext(backend);
    const operand = (t: TensorInfo) => ctx.store.operand(t.dataId);
    afterAll(() => backend.dispose());

    const upload = (values: Float32Array | Uint8Array, shape: number[], dtype: 'float32' | 'bool' = 'float32'): TensorInfo => {
      const dataId = backend.alloc(dtype, values.length);
      backend.write(dataId, values);
      return { dataId, shape, dtype };
    };
    const take = (info: TensorInfo): Float32Array => {
      const v = backend.read(info.dataId) as Float32Array;
      backend.free(info.dataId);
      return v;
    };
    /** Heap bytes held by tensors and sparse rows (not kernel scratch): must not grow. */
    const held = () => {
      const s = backend.heapStats();
      return { buffers: backend.memory().numBuffers, bytes: s.liveBytes - s.scratchBytes };
    };
    /** The winners on wasm (the k-WTA mask from the wasm topkMask kernel), or on the host. */
    const winners = (x: Float32Array, N: number, D: number, k: number, inWasm: boolean): RowsInWasm => {
      if (!inWasm) return { ...winnersFromMask(x, kwta(x, N, D, k).mask, N, D, k), release: () => {} };
      const xi = upload(x, [N, D]);
      const [mask] = backend.run('topkMask', [xi], { k });
      const rowsOut = extractWinnersWasm(ctx, operand(xi), ctx.store.mask(mask.dataId), N, D, k);
      backend.free(xi.dataId);
      backend.free(mask.dataId);
      return rowsOut;
    };

    it('winner extraction: the TypeScript kernel\'s rows bit for bit (ties, long rows, k = 1 and k = D)', () => {
      const start = held();
      fc.assert(fc.property(
        fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 1500 }), gamma, kinds, fc.nat(),
        (N, D, g, k, seed) => {
          const x = rows32(new Generator(seed), N, D, k);
          const want = kwta(x, N, D, kOf(g, D)).winners;
          const got = winners(x, N, D, kOf(g, D), true);
          if (opts.sharedMemory !== false) expect(got.at).toBeDefined();
          expect(Array.from(got.rowPtr)).toEqual(Array.from(want.rowPtr));
          expect(Array.from(got.indices)).toEqual(Array.from(want.indices));
          expect(Array.from(got.values)).toEqual(Array.from(want.values));
          expect(Array.from(take(densifyWasm(ctx, got)))).toEqual(Array.from(kwta(x, N, D, kOf(g, D)).dense));
          got.release();
        },
      ), { ...FC, numRuns: 25 });
      expect(held()).toEqual(start);
    });

    it('non-zero extraction (a ReLU\'s output): the TypeScript kernel\'s rows bit for bit (NaN, -0, zero rows, long rows)', () => {
      const start = held();
      fc.assert(fc.property(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 1500 }), kinds, fc.nat(), (N, D, k, seed) => {
        const gen = new Generator(seed);
        const x = rows32(gen, N, D, k).map((v) => (v < -1.5 ? NaN : v < 0 ? (gen.uniform() < 0.5 ? 0 : -0) : v));
        const want = nonzeroRows(x, N, D);
        const xi = upload(x, [N, D]);
        const got = extractNonzerosWasm(ctx, operand(xi), N, D);
        if (opts.sharedMemory !== false && want.rowPtr[N] > 0) expect(got.at).toBeDefined();
        expect(Array.from(got.rowPtr)).toEqual(Array.from(want.rowPtr));
        expect(Array.from(got.indices)).toEqual(Array.from(want.indices));
        expect(Array.from(got.values)).toEqual(Array.from(want.values));
        got.release();
        backend.free(xi.dataId);
      }), { ...FC, numRuns: 25 });
      expect(held()).toEqual(start);
    });

    it('winner extraction refuses a mask with a row that does not hold k winners, leaking nothing', () => {
      const start = held();
      const x = upload(new Float32Array(10), [2, 5]);
      const mask = upload(Uint8Array.of(1, 1, 0, 0, 0, 1, 1, 1, 0, 0), [2, 5], 'bool');
      expect(() => extractWinnersWasm(ctx, operand(x), ctx.store.mask(mask.dataId), 2, 5, 2)).toThrow(ValueError);
      expect(() => extractWinnersWasm(ctx, operand(x), ctx.store.mask(mask.dataId), 2, 5, 2)).toThrow(/row 1 has 3 winners, expected k = 2/);
      backend.free(x.dataId);
      backend.free(mask.dataId);
      expect(held()).toEqual(start);
    });

    it('refuses malformed sparse rows from the caller before any kernel runs, leaking nothing', () => {
      const start = held();
      const wi = upload(new Float32Array(6), [2, 3]);
      const bad: SparseRows = { rows: 2, cols: 3, rowPtr: Int32Array.of(0, 1, 2), indices: Int32Array.of(0, 7), values: new Float32Array(2) };
      expect(() => sparseLinearWasm(ctx, bad, operand(wi), 2)).toThrow(/sparseLinear: x row 1 has index 7/);
      expect(() => sparseLinearInputGradWasm(ctx, bad, operand(wi), bad)).toThrow(/sparseLinearInputGrad: dy row 1 has index 7/);
      expect(() => densifyWasm(ctx, bad)).toThrow(ValueError);
      expect(() => sparseConv2dWasm(ctx, bad, [2, 1, 1, 3], operand(wi), [6, 1, 1, 1], { stride: [1, 1], pad: [0, 0], dilation: [1, 1] })).toThrow(/sparseConv2d: x row 1/);
      expect(() => sparseLinearWasm(ctx, { ...bad, indices: Int32Array.of(0, 1), values: new Float64Array(2) }, operand(wi), 2)).toThrow(DTypeError);
      backend.free(wi.dataId);
      expect(held()).toEqual(start);
    });

    it('linear: forward (panels packed per call and ahead of time), weight gradient (dense or k-WTA dy), input gradient at the winners', () => {
      const start = held();
      fc.assert(fc.property(
        // Wide layers (512+ outputs) split the input gradient into summed groups of weight rows.
        fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 80 }), fc.oneof(fc.integer({ min: 1, max: 80 }), fc.integer({ min: 500, max: 2400 })), gamma, kinds,
        fc.option(gamma, { nil: null }), fc.boolean(), fc.nat(),
        (N, inF, out, g, xKinds, gOut, inWasm, seed) => {
          const gen = new Generator(seed);
          const xRaw = rows32(gen, N, inF, xKinds);
          const x = kwta(xRaw, N, inF, kOf(g, inF));
          const xs = winners(xRaw, N, inF, kOf(g, inF), inWasm);
          const w = rows32(gen, out, inF, ['random']);
          const dyRaw = rows32(gen, N, out, ['random', 'levels', 'zero']);
          let dyDense: FloatArray = dyRaw, dyRows: SparseRows;
          if (gOut === null) dyRows = nonzeroRows(dyRaw, N, out);
          else ({ dense: dyDense, winners: dyRows } = kwta(dyRaw, N, out, kOf(gOut, out)));
          const wi = upload(w, [out, inF]);
          const wOp = operand(wi);

          const y = take(sparseLinearWasm(ctx, xs, wOp, out));
          expect(relError(y, denseMatmul(x.dense, [N, inF], w, [out, inF], false, true))).toBeLessThanOrEqual(F32_TOL);
          const packed = packLinearWeight(ctx, wOp, out, inF);
          expect(packed).not.toBeNull();
          expect(Array.from(take(sparseLinearWasm(ctx, xs, wOp, out, packed!)))).toEqual(Array.from(y));
          packed!.release();

          const dw = take(sparseLinearWeightGradWasm(ctx, dyRows, xs));
          expect(relError(dw, denseMatmul(dyDense, [N, out], x.dense, [N, inF], true, false))).toBeLessThanOrEqual(F32_TOL);
          const dx = take(sparseLinearInputGradWasm(ctx, dyRows, wOp, xs));
          expect(relError(dx, masked(denseMatmul(dyDense, [N, out], w, [out, inF], false, false), x.mask))).toBeLessThanOrEqual(F32_TOL);
          backend.free(wi.dataId);
          xs.release();
        },
      ), FC);
      expect(held()).toEqual(start);
    });

    it('conv2d: forward, filter gradient, input gradient at the winners; any stride, padding, dilation', () => {
      const start = held();
      fc.assert(fc.property(convCase, gamma, kinds, fc.boolean(), fc.nat(), (c, g, xKinds, inWasm, seed) => {
        const gen = new Generator(seed);
        const D = c.C * c.H * c.W;
        const xRaw = rows32(gen, c.N, D, xKinds);
        const x = kwta(xRaw, c.N, D, kOf(g, D));
        const xs = winners(xRaw, c.N, D, kOf(g, D), inWasm);
        const w = rows32(gen, c.F, c.C * c.KH * c.KW, ['random']);
        const [OH, OW] = convOutputSize(c);
        const dy = rows32(gen, c.N, c.F * OH * OW, ['random', 'levels']);
        const want = denseConv(c, x.dense, w, dy);
        const xShape = [c.N, c.C, c.H, c.W], wShape = [c.F, c.C, c.KH, c.KW];
        const wi = upload(w, wShape), dyi = upload(dy, [c.N, c.F, OH, OW]);
        expect(relError(take(sparseConv2dWasm(ctx, xs, xShape, operand(wi), wShape, c.attrs)), want.y)).toBeLessThanOrEqual(F32_TOL);
        expect(relError(take(sparseConv2dBackwardFilterWasm(ctx, xs, xShape, operand(dyi), wShape, c.attrs)), want.dw)).toBeLessThanOrEqual(F32_TOL);
        const dx = take(sparseConv2dBackwardInputWasm(ctx, operand(dyi), operand(wi), wShape, xs, xShape, c.attrs));
        expect(relError(dx, masked(want.dx, x.mask))).toBeLessThanOrEqual(F32_TOL);
        backend.free(wi.dataId);
        backend.free(dyi.dataId);
        xs.release();
      }), FC);
      expect(held()).toEqual(start);
    });

    it('runs the sparse kernels on the pool when there is one', () => {
      if (backend.threads < 2) return;
      const spy = vi.spyOn(ctx.rt, 'run');
      const N = 4, D = 64, k = 6;
      const x = winners(rows32(new Generator(1), N, D, ['random']), N, D, k, true);
      const wi = upload(rows32(new Generator(2), 96, D, ['random']), [96, D]);
      take(sparseLinearWasm(ctx, x, operand(wi), 96));
      expect(spy.mock.calls.some(([tasks, , threads]) => tasks.length > 1 && (threads ?? 2) > 1 && tasks.some((t) => t.some((c) => c.fn === 'sp_linear_fwd')))).toBe(true);
      spy.mockRestore();
      backend.free(wi.dataId);
      x.release();
    });
  });
}

describe('wasm sparse kernels through the backend\'s kernel table', () => {
  const backend = new WasmBackend({ threads: 2, minParallelFlops: 0 });
  afterAll(() => backend.dispose());
  const upload = (values: Float32Array | Int32Array | Uint8Array, shape: number[], dtype: 'float32' | 'int32' | 'bool'): TensorInfo => {
    const dataId = backend.alloc(dtype, values.length);
    backend.write(dataId, values);
    return { dataId, shape, dtype };
  };

  it('rows the winners kernel made are read in place; rows written from outside are checked first', () => {
    const N = 3, D = 40, k = 4, out = 5;
    const x = upload(rows32(new Generator(4), N, D, ['random']), [N, D], 'float32');
    const w = upload(rows32(new Generator(5), out, D, ['random']), [out, D], 'float32');
    const [mask] = backend.run('topkMask', [x], { k });
    const [rowPtr, indices, values] = backend.run('winners', [x, mask], { k });
    const ctx = wasmContext(backend);
    for (const t of [rowPtr, indices, values]) expect(ctx.store.record(t.dataId).addr).toBeGreaterThanOrEqual(0);
    const [y] = backend.run('sparseLinear', [x, w, rowPtr, indices, values], {});
    const want = kwta(backend.read(x.dataId) as Float32Array, N, D, k).dense;
    expect(relError(backend.read(y.dataId) as Float32Array, denseMatmul(want, [N, D], backend.read(w.dataId) as Float32Array, [out, D], false, true))).toBeLessThanOrEqual(F32_TOL);
    // Once written by the caller, the indices are no longer the winners kernel's: an index past the row is refused, not read.
    const bad = Int32Array.from(backend.read(indices.dataId) as Int32Array);
    bad[bad.length - 1] = D + 7;
    backend.write(indices.dataId, bad);
    expect(() => backend.run('sparseLinear', [x, w, rowPtr, indices, values], {})).toThrow(/sparseLinear: x row 2 has index 47/);
    // Rows from another source (here: int32 tensors uploaded directly) are checked too.
    const foreign = upload(Int32Array.of(0, 1, 2, 50), [4], 'int32');
    expect(() => backend.run('sparseLinear', [x, w, rowPtr, foreign, values], {})).toThrow(/sparseLinear: x has 12 entries by its rowPtr, but 4 indices/);
    for (const t of [x, w, mask, rowPtr, indices, values, y, foreign]) backend.free(t.dataId);
  });
});

describe('a 4-thread pool (more threads than images): per-thread scratch for every thread', () => {
  const backend = new WasmBackend({ threads: 4, minParallelFlops: 0 });
  afterAll(() => backend.dispose());

  it('dense and sparse convolutions of a 2-image batch match the CPU kernels', async () => {
    await backend.ready;
    const ctx = wasmContext(backend);
    const c = { N: 2, C: 3, H: 9, W: 9, F: 8, KH: 3, KW: 3, attrs: { stride: [2, 2] as [number, number], pad: [1, 1] as [number, number], dilation: [1, 1] as [number, number] } };
    const D = c.C * c.H * c.W, [OH, OW] = convOutputSize(c);
    for (let trial = 0; trial < 20; trial++) {
      const gen = new Generator(trial);
      const xRaw = rows32(gen, c.N, D, ['random']);
      const x = kwta(xRaw, c.N, D, 30);
      const w = rows32(gen, c.F, c.C * 9, ['random']), dy = rows32(gen, c.N, c.F * OH * OW, ['random']);
      const want = denseConv(c, x.dense, w, dy);
      const put = (v: Float32Array, shape: number[]) => { const d = backend.alloc('float32', v.length); backend.write(d, v); return { dataId: d, shape, dtype: 'float32' as const }; };
      const xi = put(x.dense as Float32Array, [c.N, c.C, c.H, c.W]), wi = put(w, [c.F, c.C, 3, 3]), dyi = put(dy, [c.N, c.F, OH, OW]);
      const [y] = backend.run('conv2d', [xi, wi], c.attrs);
      expect(relError(backend.read(y.dataId) as Float32Array, want.y)).toBeLessThanOrEqual(F32_TOL);
      const xs = extractWinnersWasm(ctx, ctx.store.operand(xi.dataId), { values: x.mask, addr: -1 }, c.N, D, 30);
      const ys = sparseConv2dWasm(ctx, xs, xi.shape, ctx.store.operand(wi.dataId), wi.shape, c.attrs);
      expect(relError(backend.read(ys.dataId) as Float32Array, want.y)).toBeLessThanOrEqual(F32_TOL);
      const dx = sparseConv2dBackwardInputWasm(ctx, ctx.store.operand(dyi.dataId), ctx.store.operand(wi.dataId), wi.shape, xs, xi.shape, c.attrs);
      expect(relError(backend.read(dx.dataId) as Float32Array, masked(want.dx, x.mask))).toBeLessThanOrEqual(F32_TOL);
      for (const t of [xi, wi, dyi, y, ys, dx]) backend.free(t.dataId);
      xs.release();
    }
  });
});
