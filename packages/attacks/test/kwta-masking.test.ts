import { Generator } from '@kwta/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { BPDA, EstimatedGradientPGD, PGD, SquareAttack, evaluate, type AttackResult } from '../src/index.js';
import { blobProblem } from './fixtures/models.js';
import type { Mlp } from './fixtures/mlp.js';
import type { Blobs } from './fixtures/synthetic.js';

/**
 * The key result: a k-WTA network that plain PGD reports as robust is not. 4 Gaussian blobs in
 * [0,1]^20, a 20-300-300-4 MLP with k-WTA at gamma = 0.02 (6 winners of 300), trained 300 SGD
 * steps with fixed seeds, attacked at L-inf eps = 0.1. (At width 200 / 4 winners plain PGD broke
 * the net too; 6 of 300 winners is where the masking showed - see the README.)
 */
const EPS = 0.1;
const accuracy = (r: AttackResult) => r.success.filter((s) => !s).length / r.success.length;
const tick = () => new Promise((resolve) => setImmediate(resolve));

let kwta: Mlp;
let data: Blobs;

beforeAll(() => {
  ({ net: kwta, test: data } = blobProblem('kwta', 60));
});

describe('k-WTA masks gradients: adaptive attacks break what PGD does not', () => {
  let pgd: AttackResult;
  let adaptive: { estimated: AttackResult; bpda: AttackResult; square: AttackResult };

  beforeAll(async () => {
    const gen = new Generator(11);
    pgd = new PGD({ eps: EPS, steps: 40 }).run(kwta.forward, data.x, data.y, { gen });
    // Yield between attacks: on a loaded machine one long synchronous block times out the test runner's messages.
    await tick();
    const estimated = new EstimatedGradientPGD({ eps: EPS, steps: 40, samples: { initial: 16, max: 64, doubleEvery: 15 } }).run(kwta.forward, data.x, data.y, { gen });
    await tick();
    const bpda = new BPDA({ eps: EPS, steps: 40, surrogate: kwta.surrogate() }).run(kwta.forward, data.x, data.y, { gen });
    await tick();
    adaptive = { estimated, bpda, square: new SquareAttack({ eps: EPS, queries: 500 }).run(kwta.forward, data.x, data.y, { gen }) };
  });

  it('the k-WTA network is accurate and plain PGD leaves it looking robust, even with more steps and restarts', () => {
    expect(kwta.accuracy(data.x, data.y)).toBeGreaterThanOrEqual(0.95);
    expect(accuracy(pgd)).toBeGreaterThanOrEqual(0.45);
    const stronger = new PGD({ eps: EPS, steps: 80, stepSize: EPS / 32, restarts: 3 }).run(kwta.forward, data.x, data.y, { gen: new Generator(12) });
    expect(accuracy(stronger)).toBeGreaterThanOrEqual(0.35);
  });

  it('gradient estimation over Gaussian neighbours breaks it', () => {
    expect(accuracy(adaptive.estimated)).toBeLessThanOrEqual(0.15);
    expect(accuracy(pgd) - accuracy(adaptive.estimated)).toBeGreaterThanOrEqual(0.3);
  });

  it('BPDA through the sigmoid-gated surrogate and the gradient-free Square attack beat PGD too', () => {
    expect(accuracy(pgd) - accuracy(adaptive.bpda)).toBeGreaterThanOrEqual(0.2);
    expect(accuracy(pgd) - accuracy(adaptive.square)).toBeGreaterThanOrEqual(0.2);
  });

  it('per-example worst case over the adaptive attacks leaves under 10%', () => {
    const robust = data.y.reduce((n, _, i) => n + (Object.values(adaptive).every((r) => !r.success[i]) ? 1 : 0), 0);
    expect(robust / data.y.length).toBeLessThan(0.1);
  });

  it('the harness flags the masking: Square and gradient estimation beat white-box PGD', () => {
    const report = evaluate(
      kwta.forward,
      data.x,
      data.y,
      {
        attacks: [new PGD({ eps: EPS, steps: 40 }), new EstimatedGradientPGD({ eps: EPS, steps: 30, samples: { initial: 16, max: 32, doubleEvery: 15 } }), new SquareAttack({ eps: EPS, queries: 300 })],
        gen: new Generator(13),
        checks: { stronger: false },
      },
    );
    const check = report.checks.find((c) => c.name === 'white-box-beats-black-box')!;
    expect(check.passed).toBe(false);
    expect(report.flags.some((f) => f.startsWith('white-box-beats-black-box') && f.includes('gradient masking'))).toBe(true);
    expect(report.attacks[0].accuracy).toBeGreaterThanOrEqual(0.45);
    expect(report.robustAccuracy).toBeLessThanOrEqual(0.15);
  });
});

describe('control: the ReLU twin does not mask', () => {
  it('PGD is as strong as gradient estimation and Square on the same problem', async () => {
    const { net: relu, test } = blobProblem('relu', 60);
    await tick();
    const gen = new Generator(14);
    const pgd = accuracy(new PGD({ eps: EPS, steps: 40 }).run(relu.forward, test.x, test.y, { gen }));
    const est = accuracy(new EstimatedGradientPGD({ eps: EPS, steps: 40, samples: { initial: 16, max: 64, doubleEvery: 15 } }).run(relu.forward, test.x, test.y, { gen }));
    await tick();
    const square = accuracy(new SquareAttack({ eps: EPS, queries: 500 }).run(relu.forward, test.x, test.y, { gen }));
    expect(pgd).toBeLessThanOrEqual(est + 0.05);
    expect(pgd).toBeLessThanOrEqual(square + 0.05);
  });
});
