import fc from 'fast-check';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { DTypeError, Generator, ValueError, type TensorInfo } from '../src/index.js';
import { WasmBackend } from '../src/backends/wasm/index.js';
import { wasmContext } from '../src/internal.js';
import { nonzeroRows, winnersFromMask, type SparseRows } from '../src/backends/cpu/sparse-rows.js';
import type { FloatArray } from '../src/backends/cpu/types.js';
import { extractWinnersWasm, densifyWasm, type RowsInWasm } from '../src/backends/wasm/sparse-rows.js';
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
        fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 1500 }), gamma, kinds, fc.integer(),
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
        fc.option(gamma, { nil: null }), fc.boolean(), fc.integer(),
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
      fc.assert(fc.property(convCase, gamma, kinds, fc.boolean(), fc.integer(), (c, g, xKinds, inWasm, seed) => {
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
