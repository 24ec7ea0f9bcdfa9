import { Generator, ValueError, memory, type Tensor } from '@kwta/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { APGD, DEFAULT_MEMORY_BUDGET, EstimatedGradientPGD, FABT, PGD, SquareAttack, evaluate, kwtaAdaptive, rowsWithin, type Attack, type AttackResult } from '../src/index.js';
import { fourClassProblem } from './fixtures/problems.js';
import type { Mlp } from './fixtures/mlp.js';
import type { Blobs } from './fixtures/synthetic.js';

let net: Mlp;
let data: Blobs;

beforeAll(() => {
  ({ net, test: data } = fourClassProblem());
});

/** The model as the attack sees it, recording each call's rows and the live tensor bytes at the end of its forward. */
function watched(): { forward: (x: Tensor) => Tensor; rows: number[]; peak: () => number } {
  const rows: number[] = [];
  const base = memory().numBytes;
  let peak = 0;
  return {
    rows,
    peak: () => peak,
    forward: (x) => {
      const out = net.forward(x);
      rows.push(x.shape[0]);
      peak = Math.max(peak, memory().numBytes - base);
      return out;
    },
  };
}

const same = (a: AttackResult, b: AttackResult) => {
  expect(Array.from(a.xAdv.dataSync())).toEqual(Array.from(b.xAdv.dataSync()));
  expect(a.success).toEqual(b.success);
  expect(a.forwardCount).toEqual(b.forwardCount);
  expect(a.gradCount).toEqual(b.gradCount);
};

// Attacks that evaluate many rows per example (noise samples, EOT) or per step (gradients of a batch, FAB's class gradients).
const ATTACKS: [string, () => Attack][] = [
  ['gradient estimation', () => new EstimatedGradientPGD({ eps: 0.1, steps: 4, samples: { initial: 8, max: 16, doubleEvery: 2 } })],
  ['gradient estimation, gradient-average', () => new EstimatedGradientPGD({ eps: 0.1, steps: 3, samples: { initial: 4, max: 4, doubleEvery: 9 }, estimator: 'gradient-average' })],
  ['kwta-adaptive', () => kwtaAdaptive({ eps: 0.1, steps: 3, budget: 0.05 })],
  ['Square', () => new SquareAttack({ eps: 0.05, queries: 30 })],
  ['APGD with EOT', () => new APGD({ eps: 0.05, steps: 5, eot: 3 })],
  ['PGD', () => new PGD({ eps: 0.05, steps: 5 })],
  ['FAB-T', () => new FABT({ eps: 0.05, steps: 5, targetClasses: 3 })],
];

describe('attacks in chunks under a memory budget', () => {
  it('rowsWithin: rows of the measured per-row cost that fit after the fixed part, at least one', () => {
    const probe = (k: number) => 1000 + 300 * k;
    expect(rowsWithin(1000 + 300 * 7, probe)).toBe(7);
    expect(rowsWithin(1000 + 300 * 7 + 299, probe)).toBe(7);
    expect(rowsWithin(10, probe)).toBe(1);
    expect(rowsWithin(Infinity, probe)).toBe(Infinity);
    expect(DEFAULT_MEMORY_BUDGET).toBe(512 * 2 ** 20);
  });

  for (const [label, make] of ATTACKS) {
    it(`${label}: the same results as one unchunked call, with every call's tensors under the budget`, () => {
      const seeds = Array.from(data.y, (_, i) => 7 + i);
      const whole = watched();
      const unchunked = make().run(whole.forward, data.x, data.y, { seeds, memoryBudget: Infinity });
      // A budget of a few rows' worth: the bigger calls must split.
      const budget = Math.max(2048, Math.floor(whole.peak() / 6));
      const parts = watched();
      const chunked = make().run(parts.forward, data.x, data.y, { seeds, memoryBudget: budget });
      same(chunked, unchunked);
      expect(Math.max(...parts.rows)).toBeLessThan(Math.max(...whole.rows));
      expect(parts.peak()).toBeLessThanOrEqual(budget);
      expect(whole.peak()).toBeGreaterThan(budget);
    });
  }

  it('the harness passes its budget to every attack (same report), and a bad budget is a ValueError naming it', () => {
    const attacks = () => [new EstimatedGradientPGD({ eps: 0.1, steps: 3, samples: { initial: 8, max: 8, doubleEvery: 9 } })];
    const run = (memoryBudget?: number) => evaluate(net.forward, data.x, data.y, { attacks: attacks(), gen: new Generator(3), checks: false, memoryBudget });
    const strip = (r: ReturnType<typeof run>) => ({ ...r, attacks: r.attacks.map((a) => ({ ...a, seconds: 0 })) });
    expect(strip(run(4096))).toEqual(strip(run()));
    for (const bad of [0, -1, Number.NaN]) {
      expect(() => run(bad)).toThrow(ValueError);
      expect(() => run(bad)).toThrow(/memoryBudget must be a number of bytes > 0/);
      expect(() => new PGD({ eps: 0.1 }).run(net.forward, data.x, data.y, { memoryBudget: bad })).toThrow(/PGD: memoryBudget/);
    }
  });
});
