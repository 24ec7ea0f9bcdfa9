import { DTypeError, Generator, ShapeError, ValueError, tensor, tidy } from '@kwta/core';
import { gradcheck } from '@kwta/core/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { crossEntropy, cwLoss, dlrLoss, klDivergence } from '../src/index.js';
import { distinctValues, uniformValues } from './values.js';

const logits = [[2, 1, 0.5, -1], [0, 3, 1, 2]];
const labels = () => tensor(Int32Array.from([0, 2]));
const lse = (r: number[]) => Math.log(r.reduce((s, v) => s + Math.exp(v), 0));

describe('loss values', () => {
  it('crossEntropy = logsumexp − z_y, with mean/sum/none reductions', () => {
    tidy(() => {
      const per = [lse(logits[0]) - 2, lse(logits[1]) - 1];
      const z = tensor(logits, undefined, 'float64');
      expect(crossEntropy(z, labels()).item()).toBeCloseTo((per[0] + per[1]) / 2, 12);
      expect(crossEntropy(z, labels(), { reduction: 'sum' }).item()).toBeCloseTo(per[0] + per[1], 12);
      expect(Array.from(crossEntropy(z, labels(), { reduction: 'none' }).dataSync())).toEqual([expect.closeTo(per[0], 12), expect.closeTo(per[1], 12)]);
    });
  });

  it('klDivergence is TRADES’ batch-mean KL(p_nat ‖ p_adv), zero for equal logits', () => {
    tidy(() => {
      const nat = tensor(logits, undefined, 'float64');
      const adv = tensor([[1, 1, 1, 1], [0, 0, 5, 0]], undefined, 'float64');
      let expected = 0;
      logits.forEach((row, i) => {
        const lp = row.map((v) => v - lse(row));
        const advRow = [[1, 1, 1, 1], [0, 0, 5, 0]][i];
        const lq = advRow.map((v) => v - lse(advRow));
        expected += lp.reduce((s, v, j) => s + Math.exp(v) * (v - lq[j]), 0);
      });
      expect(klDivergence(adv, nat).item()).toBeCloseTo(expected / 2, 12);
      expect(klDivergence(nat, nat).item()).toBeCloseTo(0, 14);
      expect(() => klDivergence(adv, tensor([[1, 2]], undefined, 'float64'))).toThrow(ShapeError);
    });
  });

  it('cwLoss = max_{j≠y} z_j − z_y, capped at kappa', () => {
    tidy(() => {
      const z = tensor(logits);
      expect(Array.from(cwLoss(z, labels(), { reduction: 'none' }).dataSync())).toEqual([1 - 2, 3 - 1]);
      expect(Array.from(cwLoss(z, labels(), { reduction: 'none', kappa: 0.5 }).dataSync())).toEqual([-1, 0.5]);
    });
  });

  it('dlrLoss = −(z_y − max_{j≠y} z_j) / (z_π1 − z_π3 + 1e-12)', () => {
    tidy(() => {
      const per = Array.from(dlrLoss(tensor(logits, undefined, 'float64'), labels(), { reduction: 'none' }).dataSync());
      expect(per[0]).toBeCloseTo(-(2 - 1) / (2 - 0.5), 10);
      expect(per[1]).toBeCloseTo(-(1 - 3) / (3 - 1), 10);
      expect(() => dlrLoss(tensor([[1, 2]]), tensor(Int32Array.from([0])))).toThrow(/at least 3 classes/);
    });
  });

  it('refuses bad labels with the op and the offending value', () => {
    tidy(() => {
      expect(() => crossEntropy(tensor(logits), tensor(Int32Array.from([0, 4])))).toThrow(/label 4 of sample 1 is outside \[0, 4\)/);
      expect(() => crossEntropy(tensor(logits), tensor([0, 1]))).toThrow(DTypeError);
      expect(() => cwLoss(tensor(logits), tensor(Int32Array.from([0])))).toThrow(ShapeError);
      expect(() => crossEntropy(tensor(logits), labels(), { reduction: 'avg' as never })).toThrow(ValueError);
    });
  });
});

describe('loss gradients equal finite differences (float64, distinct logits)', () => {
  const losses = {
    crossEntropy: (z: never, y: never) => crossEntropy(z, y),
    cwLoss: (z: never, y: never) => cwLoss(z, y),
    dlrLoss: (z: never, y: never) => dlrLoss(z, y),
  };
  for (const [name, loss] of Object.entries(losses)) {
    it(name, () => {
      fc.assert(
        fc.property(fc.integer({ min: 0, max: 2 ** 30 }), (seed) => {
          const g = new Generator(seed);
          const [n, c] = [1 + g.int(3), 3 + g.int(4)];
          const y = tensor(Int32Array.from({ length: n }, () => g.int(c)));
          const r = tidy(() => gradcheck((z) => loss(z as never, y as never), [tensor(distinctValues(g, n * c, 0.3), [n, c], 'float64')], { seed }));
          y.dispose();
          expect(r.maxError, r.message).toBeLessThan(1e-6);
        }),
        { numRuns: 15 },
      );
    });
  }

  it('klDivergence (both arguments)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 30 }), (seed) => {
        const g = new Generator(seed);
        const [n, c] = [1 + g.int(3), 2 + g.int(4)];
        const r = tidy(() => gradcheck((a, b) => klDivergence(a, b), [tensor(uniformValues(g, n * c, -2, 2), [n, c], 'float64'), tensor(uniformValues(g, n * c, -2, 2), [n, c], 'float64')], { seed }));
        expect(r.maxError, r.message).toBeLessThan(1e-6);
      }),
      { numRuns: 15 },
    );
  });
});
