import { CpuBackend, ValueError, tensor, tidy, topk, topkMask } from '@kwta/core';
import { withBackend } from '@kwta/core/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GpuJsBackend, SELECTION_CHUNK } from '../src/index.js';
import { TEST_MODES } from './modes.js';
import { SPECIAL } from './suites.js';

const valueArb = fc.oneof(
  fc.constantFrom(...SPECIAL),
  fc.integer({ min: -3, max: 3 }),
  fc.float({ noNaN: true }),
);

const caseArb = fc
  .record({ rows: fc.integer({ min: 1, max: 3 }), n: fc.integer({ min: 1, max: 2 * SELECTION_CHUNK + 9 }) })
  .chain(({ rows, n }) => fc.record({
    rows: fc.constant(rows), n: fc.constant(n), k: fc.integer({ min: 1, max: n }),
    values: fc.array(valueArb, { minLength: rows * n, maxLength: rows * n }),
  }));

function run(backend: GpuJsBackend | CpuBackend, values: number[], shape: number[], k: number) {
  return withBackend(backend, () => tidy(() => {
    const x = tensor(Float32Array.from(values), shape);
    const { values: v, indices } = topk(x, k);
    return { mask: Array.from(topkMask(x, k).dataSync()), indices: Array.from(indices.dataSync()), values: Array.from(v.dataSync()) };
  }));
}

describe.each(TEST_MODES)('radix-select pipeline (%s mode) against the CPU quickselect', (mode) => {
  const backend = new GpuJsBackend({ mode, selection: 'kernels', strict: true });
  const cpu = new CpuBackend();

  // A device that flushes denormals (capabilities.denormals) sees them as zeros before any
  // kernel runs; there the comparison is made on inputs flushed the same way (sign kept).
  const flush = (v: number) => (backend.capabilities.denormals === 'flushed' && v !== 0 && Math.abs(v) < 1.1754943508222875e-38 ? v * 0 : v);

  it('matches topkMask and topk exactly, ties to the lower index, on adversarial values', () => {
    fc.assert(fc.property(caseArb, ({ rows, n, k, values: raw }) => {
      const values = raw.map((v) => flush(Math.fround(v)));
      const got = run(backend, values, [rows, n], k);
      const want = run(cpu, values, [rows, n], k);
      expect(got).toEqual(want);
      for (let r = 0; r < rows; r++) expect(got.mask.slice(r * n, (r + 1) * n).reduce((a, b) => a + b, 0)).toBe(k);
    }), { seed: 7, numRuns: 60 });
  });

  it('handles a 64 x 16384 k-WTA batch (128 chunks per row) exactly', () => {
    const values = Array.from({ length: 64 * 16384 }, (_, i) => Math.fround(Math.sin(i * 12.9898) * 43758.5453 % 1) * ((i % 7) - 3));
    const k = 1638;
    const a = withBackend(backend, () => tidy(() => Array.from(topkMask(tensor(Float32Array.from(values), [64, 16384]), k).dataSync())));
    const b = withBackend(cpu, () => tidy(() => Array.from(topkMask(tensor(Float32Array.from(values), [64, 16384]), k).dataSync())));
    expect(a).toEqual(b);
  });

  it('raises ValueError naming the row when a row holds NaN', () => {
    const x = [1, 2, 3, 4, 5, 6, NaN, 8];
    expect(() => run(backend, x, [2, 4], 2)).toThrow(ValueError);
    expect(() => run(backend, x, [2, 4], 2)).toThrow(/row 1 contains NaN/);
  });
});

describe('selection strategy', () => {
  it("'auto' uses the host quickselect in cpu/webasm and the radix kernels in GL modes", () => {
    expect(new GpuJsBackend({ mode: 'cpu' }).selection).toBe('host');
    expect(new GpuJsBackend({ mode: 'webasm' }).selection).toBe('host');
    expect(new GpuJsBackend({ mode: 'cpu', selection: 'kernels' }).selection).toBe('kernels');
  });

  it('the host path gives the same winners as the kernels', () => {
    const values = Array.from({ length: 3 * 50 }, (_, i) => (i * 7919) % 13);
    const a = run(new GpuJsBackend({ mode: 'cpu', selection: 'host' }), values, [3, 50], 9);
    const b = run(new GpuJsBackend({ mode: 'cpu', selection: 'kernels' }), values, [3, 50], 9);
    expect(a).toEqual(b);
  });
});
