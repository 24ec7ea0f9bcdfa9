import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Generator, ShapeError, ValueError, type DType } from '../src/index.js';
import { sparseConv2d, sparseConv2dBackwardFilter, sparseConv2dBackwardInput, convTaps } from '../src/backends/cpu/sparse-conv.js';
import { sparseLinear, sparseLinearInputGrad, sparseLinearWeightGrad } from '../src/backends/cpu/sparse-linear.js';
import { densify, nonzeroRows, transposeRows, winnersFromMask, type SparseRows } from '../src/backends/cpu/sparse-rows.js';
import {
  F32_TOL, F64_TOL, FC, ROW_KINDS, atEntries, convCase, convOutputSize, denseConv, denseMatmul, kOf, kwta, relError, rows, type RowKind,
} from './sparse-cases.js';

const kinds = fc.array(fc.constantFrom<RowKind>(...ROW_KINDS), { minLength: 1, maxLength: 4 });
const gamma = fc.double({ min: 0.01, max: 1, noNaN: true });

describe('sparse rows', () => {
  it('winners of a k-WTA: exactly the mask, in index order; ties to the lower index', () => {
    const x = Float32Array.of(1, 1, 1, 1, 0, 0, 0, 0, 3, -1, 3, 2);
    const { winners } = kwta(x, 3, 4, 2);
    expect(Array.from(winners.indices)).toEqual([0, 1, 0, 1, 0, 2]);
    expect(Array.from(winners.values)).toEqual([1, 1, 0, 0, 3, 3]);
    expect(Array.from(winners.rowPtr)).toEqual([0, 2, 4, 6]);
  });

  it('refuses a mask whose rows do not hold k winners, and a size mismatch', () => {
    const x = new Float32Array(4);
    expect(() => winnersFromMask(x, Uint8Array.of(1, 0, 0, 0), 2, 2, 1)).toThrow(/row 1 has 0 winners, expected k = 1/);
    expect(() => winnersFromMask(x, Uint8Array.of(1, 1, 1, 0), 2, 2, 1)).toThrow(ValueError);
    expect(() => winnersFromMask(x, new Uint8Array(3), 2, 2, 1)).toThrow(ShapeError);
  });

  it('nonzero rows, transpose and densify round-trip', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 7 }), fc.integer({ min: 1, max: 9 }), kinds, fc.nat(), (N, D, k, seed) => {
      const x = rows(new Generator(seed), N, D, k, 'float32');
      const s = nonzeroRows(x, N, D);
      expect(Array.from(densify(s))).toEqual(Array.from(x));
      const t = transposeRows(s);
      expect(t.rows).toBe(D);
      const back = transposeRows(t);
      expect(Array.from(back.rowPtr)).toEqual(Array.from(s.rowPtr));
      expect(Array.from(back.indices)).toEqual(Array.from(s.indices));
      expect(Array.from(back.values)).toEqual(Array.from(s.values));
    }), FC);
  });

  it('convTaps lists exactly the (tap, output) pairs that read each input coordinate', () => {
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 1, max: 3 }),
      (size, k, s, p, d) => {
        const out = Math.floor((size + 2 * p - d * (k - 1) - 1) / s) + 1;
        fc.pre(out >= 1);
        const t = convTaps(size, k, s, p, d, out);
        for (let h = 0; h < size; h++) {
          const want: string[] = [];
          for (let o = 0; o < out; o++) for (let i = 0; i < k; i++) if (o * s - p + i * d === h) want.push(`${i}:${o}`);
          const got: string[] = [];
          for (let a = t.start[h]; a < t.start[h + 1]; a++) got.push(`${t.tap[a]}:${t.out[a]}`);
          expect(got.sort()).toEqual(want.sort());
        }
      },
    ), FC);
  });
});

/** A sparse-input linear layer's three products against the dense CPU kernels. */
function checkLinear(dtype: DType, tol: number) {
  fc.assert(fc.property(
    fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 40 }), gamma, kinds,
    fc.option(gamma, { nil: null }), fc.nat(),
    (N, inF, out, g, xKinds, gOut, seed) => {
      const gen = new Generator(seed);
      const x = kwta(rows(gen, N, inF, xKinds, dtype), N, inF, kOf(g, inF));
      const w = rows(gen, out, inF, ['random'], dtype);
      // dy: dense (a loss or a ReLU follows) or itself a k-WTA's winners (a k-WTA follows).
      const dyRaw = rows(gen, N, out, ['random', 'levels', 'zero'], dtype);
      const dy = gOut === null ? { dense: dyRaw, sparse: nonzeroRows(dyRaw, N, out) } : (() => {
        const k = kwta(dyRaw, N, out, kOf(gOut, out));
        return { dense: k.dense, sparse: k.winners };
      })();
      const y = sparseLinear(x.winners, w, out);
      expect(relError(y, denseMatmul(x.dense, [N, inF], w, [out, inF], false, true))).toBeLessThanOrEqual(tol);
      const dw = sparseLinearWeightGrad(dy.sparse, x.winners);
      expect(relError(dw, denseMatmul(dy.dense, [N, out], x.dense, [N, inF], true, false))).toBeLessThanOrEqual(tol);
      const dx = sparseLinearInputGrad(dy.sparse, w, x.winners);
      expect(relError(dx, atEntries(denseMatmul(dy.dense, [N, out], w, [out, inF], false, false), x.winners))).toBeLessThanOrEqual(tol);
    },
  ), FC);
}

/** A sparse-input convolution's three products against the dense CPU kernels. */
function checkConv(dtype: DType, tol: number) {
  fc.assert(fc.property(convCase, gamma, kinds, fc.nat(), (c, g, xKinds, seed) => {
    const gen = new Generator(seed);
    const D = c.C * c.H * c.W;
    const x = kwta(rows(gen, c.N, D, xKinds, dtype), c.N, D, kOf(g, D));
    const w = rows(gen, c.F, c.C * c.KH * c.KW, ['random'], dtype);
    const [OH, OW] = convOutputSize(c);
    const dy = rows(gen, c.N, c.F * OH * OW, ['random', 'levels'], dtype);
    const want = denseConv(c, x.dense, w, dy);
    const xShape = [c.N, c.C, c.H, c.W], wShape = [c.F, c.C, c.KH, c.KW];
    expect(relError(sparseConv2d(x.winners, xShape, w, wShape, c.attrs), want.y)).toBeLessThanOrEqual(tol);
    expect(relError(sparseConv2dBackwardFilter(x.winners, xShape, dy, wShape, c.attrs), want.dw)).toBeLessThanOrEqual(tol);
    expect(relError(sparseConv2dBackwardInput(dy, w, wShape, x.winners, xShape, c.attrs), atEntries(want.dx, x.winners))).toBeLessThanOrEqual(tol);
  }), FC);
}

describe('TypeScript sparse kernels against the dense CPU kernels', () => {
  it('linear, float64: forward, weight gradient (dense or k-WTA dy), input gradient at the winners', () => checkLinear('float64', F64_TOL));
  it('linear, float32', () => checkLinear('float32', F32_TOL));
  it('conv2d, float64: forward, filter gradient, input gradient at the winners; any stride, padding, dilation', () => checkConv('float64', F64_TOL));
  it('conv2d, float32', () => checkConv('float32', F32_TOL));

  it('refuse malformed sparse rows, naming the kernel, the argument and the entry', () => {
    const w = new Float32Array(6);
    const rows = (rowPtr: number[], indices: number[]): SparseRows => ({ rows: 2, cols: 3, rowPtr: Int32Array.from(rowPtr), indices: Int32Array.from(indices), values: new Float32Array(indices.length) });
    expect(() => sparseLinear(rows([0, 1, 2], [0, 3]), w, 2)).toThrow(/sparseLinear: x row 1 has index 3 at entry 1; indices must ascend strictly within \[0, 3\)/);
    expect(() => sparseLinear(rows([0, 2, 2], [1, 1]), w, 2)).toThrow(ValueError);
    expect(() => sparseLinear(rows([0, 2, 1], [1, 2]), w, 2)).toThrow(/x.rowPtr decreases at row 1/);
    expect(() => sparseLinear(rows([1, 1, 2], [0, 1]), w, 2)).toThrow(/x.rowPtr must hold 3 offsets starting at 0/);
    expect(() => sparseLinear(rows([0, 1, 3], [0, 1]), w, 2)).toThrow(/x has 3 entries by its rowPtr, but 2 indices/);
    expect(() => sparseLinearWeightGrad(rows([0, 1, 1], [-1]), rows([0, 0, 0], []))).toThrow(/sparseLinearWeightGrad: dy row 0 has index -1/);
    expect(() => sparseConv2d(rows([0, 1, 2], [2, 2]), [2, 1, 1, 3], new Float32Array(1), [1, 1, 1, 1], { stride: [1, 1], pad: [0, 0], dilation: [1, 1] }))
      .not.toThrow();
    expect(() => sparseConv2d(rows([0, 2, 2], [2, 0]), [2, 1, 1, 3], new Float32Array(1), [1, 1, 1, 1], { stride: [1, 1], pad: [0, 0], dilation: [1, 1] }))
      .toThrow(/sparseConv2d: x row 0 has index 0 at entry 1/);
  });

  it('name the kernel and the shapes on bad input', () => {
    const x = kwta(new Float32Array(6), 2, 3, 1).winners;
    expect(() => sparseLinear(x, new Float32Array(5), 2)).toThrow(/sparseLinear: weight has 5 elements, expected \[2, 3\]/);
    expect(() => sparseConv2d(x, [2, 1, 2, 2], new Float32Array(4), [1, 1, 2, 2], { stride: [1, 1], pad: [0, 0], dilation: [1, 1] }))
      .toThrow(/sparseConv2d: sparse input is 2 x 3, expected 2 x 4/);
  });
});
