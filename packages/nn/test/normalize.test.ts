import { Generator, ShapeError, ValueError, tensor, tidy } from '@kwta/core';
import { gradcheck } from '@kwta/core/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Normalize } from '../src/index.js';
import { uniformValues } from './values.js';

describe('Normalize', () => {
  it('computes (x - mean) / std per channel on [N, C, H, W] and [N, C]', () => {
    const norm = new Normalize([0.5, 0.25], [0.5, 2]);
    const x = tensor(Float32Array.from([1, 0.5, 0.25, 0, 1, 0.5, 0.25, 0]), [1, 2, 2, 2]);
    expect(Array.from(norm.forward(x).dataSync())).toEqual([1, 0, -0.5, -1, 0.375, 0.125, 0, -0.125]);
    expect(Array.from(norm.forward(tensor([[1, 1]])).dataSync())).toEqual([1, 0.375]);
    expect(Array.from(new Normalize(0.1307, 0.3081).forward(tensor([[0.1307, 0.4388]])).dataSync())).toEqual([0, Math.fround(Math.fround(0.4388 - 0.1307) / Math.fround(0.3081))]);
  });

  it('keeps mean and std in the state dict as buffers, not parameters', () => {
    const norm = new Normalize([0.4914, 0.4822, 0.4465], [0.247, 0.243, 0.261]);
    expect([...norm.stateDict().keys()]).toEqual(['mean', 'std']);
    expect(norm.parameters()).toHaveLength(0);
  });

  it('passes gradients through (float64 central differences)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 30 }), (seed) => {
        const g = new Generator(seed);
        const norm = new Normalize([g.uniform(), g.uniform(), g.uniform()], [0.2 + g.uniform(), 0.2 + g.uniform(), 0.2 + g.uniform()]);
        const r = tidy(() => gradcheck((x) => norm.forward(x), [tensor(uniformValues(g, 2 * 3 * 2 * 2, 0, 1), [2, 3, 2, 2], 'float64')], { seed }));
        expect(r.maxError, r.message).toBeLessThan(1e-6);
      }),
      { numRuns: 10 },
    );
  });

  it('refuses bad settings and inputs with typed errors', () => {
    expect(() => new Normalize([0.5, 0.5], [1])).toThrow(ValueError);
    expect(() => new Normalize(0.5, 0)).toThrow(/std\[0\] must be finite and > 0, got 0/);
    expect(() => new Normalize(Number.NaN, 1)).toThrow(/mean\[0\] must be finite/);
    expect(() => new Normalize([0, 0, 0], [1, 1, 1]).forward(tensor([[1, 2]]))).toThrow(ShapeError);
  });
});
