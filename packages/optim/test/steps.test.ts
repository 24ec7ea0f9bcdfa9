import { ShapeError, ValueError, mul, sum, tensor, tidy, type Tensor } from '@kwta/core';
import { describe, expect, it } from 'vitest';
import { Adam, AdamW, SGD, type Optimizer } from '../src/index.js';

/**
 * Parameters after each of three steps on f(p) = Σ c·p² with c = [0.5, 1.5] from p = [1, −2]
 * (so grad = [p0, 3·p1]), produced by torch.optim 1.13 in float64 with the same settings.
 */
const PYTORCH: Record<string, number[][]> = {
  sgd_plain: [[0.9, -1.4], [0.81, -0.98], [0.7290000000000001, -0.6859999999999999]],
  sgd_momentum_dampening_wd: [[0.895, -1.39], [0.7347175, -0.5442349999999999], [0.5364615137500001, 0.33314767250000005]],
  sgd_nesterov_wd: [[0.8081, -0.8562000000000001], [0.57121561, 0.12108078000000005], [0.32185967344099997, 0.6994428039180001]],
  adam: [[0.900000001, -1.9000000001666666], [0.8004122297123382, -1.800166485947237], [0.701586274504415, -1.7006233917912488]],
  adam_wd_amsgrad: [[0.9500000454545041, -1.9500000080645148], [0.9000915696007133, -1.9000410498163312], [0.8503418415363831, -1.8501513642792207]],
  adamw: [[0.890000001, -1.8800000001666666], [0.781571856954161, -1.7614089504165513], [0.6751012231892006, -1.6443686833067828]],
};

const configs: Record<string, (ps: Tensor[]) => Optimizer> = {
  sgd_plain: (ps) => new SGD(ps, { lr: 0.1 }),
  sgd_momentum_dampening_wd: (ps) => new SGD(ps, { lr: 0.1, momentum: 0.9, dampening: 0.3, weightDecay: 0.05 }),
  sgd_nesterov_wd: (ps) => new SGD(ps, { lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.01 }),
  adam: (ps) => new Adam(ps, { lr: 0.1 }),
  adam_wd_amsgrad: (ps) => new Adam(ps, { lr: 0.05, betas: [0.8, 0.9], eps: 1e-6, weightDecay: 0.1, amsgrad: true }),
  adamw: (ps) => new AdamW(ps, { lr: 0.1, weightDecay: 0.1 }),
};

function lossStep(p: Tensor, opt: Optimizer): number[] {
  opt.zeroGrad();
  tidy(() => sum(mul(mul(p, p), tensor([0.5, 1.5], undefined, 'float64'))).backward());
  opt.step();
  return Array.from(p.dataSync());
}

describe('optimizers match PyTorch step for step', () => {
  for (const [name, make] of Object.entries(configs)) {
    it(name, () => {
      const p = tensor([1, -2], undefined, 'float64').requireGrad();
      const opt = make([p]);
      const got = [lossStep(p, opt), lossStep(p, opt), lossStep(p, opt)];
      got.forEach((step, i) => step.forEach((v, j) => expect(v).toBeCloseTo(PYTORCH[name][i][j], 13)));
      opt.dispose();
      p.dispose();
    });
  }

  it('first steps worked by hand', () => {
    // SGD, momentum 0.9, dampening 0.3, wd 0.05: g = [1, −6] + 0.05·[1, −2] = [1.05, −6.1];
    // the first buffer is g itself, so p = [1, −2] − 0.1·g = [0.895, −1.39].
    expect(PYTORCH.sgd_momentum_dampening_wd[0]).toEqual([0.895, -1.39]);
    // Adam, lr 0.1: m̂ = g, v̂ = g², so the step is lr·g/(|g| + eps) ≈ 0.1 per coordinate.
    const p = tensor([1, -2], undefined, 'float64').requireGrad();
    const opt = new Adam([p], { lr: 0.1 });
    const [a, b] = lossStep(p, opt);
    expect(a).toBeCloseTo(1 - 0.1 * (1 / (1 + 1e-8)), 14);
    expect(b).toBeCloseTo(-2 + 0.1 * (6 / (6 + 1e-8)), 14);
    // AdamW also shrinks first: p·(1 − lr·wd) = [0.99, −1.98], then the same ±0.1 step.
    const q = tensor([1, -2], undefined, 'float64').requireGrad();
    const w = new AdamW([q], { lr: 0.1, weightDecay: 0.1 });
    expect(lossStep(q, w)).toEqual([expect.closeTo(0.89, 8), expect.closeTo(-1.88, 8)]);
    for (const t of [p, q]) t.dispose();
    opt.dispose();
    w.dispose();
  });
});

describe('optimizer behaviour', () => {
  it('skips parameters without a gradient and keeps parameter identity', () => {
    const a = tensor([1, 2]).requireGrad();
    const b = tensor([3]).requireGrad();
    const opt = new SGD([a, b], { lr: 0.5, momentum: 0.9 });
    tidy(() => sum(a).backward());
    opt.step();
    expect(Array.from(a.dataSync())).toEqual([0.5, 1.5]);
    expect(Array.from(b.dataSync())).toEqual([3]);
    expect(opt.params[0]).toBe(a);
    opt.dispose();
    a.dispose();
    b.dispose();
  });

  it('validates hyperparameters', () => {
    const p = tensor([1]).requireGrad();
    expect(() => new SGD([p], { lr: -1 })).toThrow(/lr must be a finite number >= 0/);
    expect(() => new SGD([p], { lr: 0.1, nesterov: true })).toThrow(/Nesterov momentum requires momentum > 0/);
    expect(() => new Adam([p], { betas: [1, 0.9] })).toThrow(/betas\[0\] must be in \[0, 1\)/);
    expect(() => new SGD([tensor([1])], { lr: 0.1 })).toThrow(/does not require grad/);
    expect(() => new SGD([p, p], { lr: 0.1 })).toThrow(/more than once/);
    expect(() => new SGD([], { lr: 0.1 })).toThrow(ValueError);
    p.dispose();
  });

  it('saves and restores its state: a restored optimizer continues identically', () => {
    for (const make of [(ps: Tensor[]) => new SGD(ps, { lr: 0.1, momentum: 0.9, nesterov: true }), (ps: Tensor[]) => new Adam(ps, { lr: 0.1, amsgrad: true })]) {
      const p = tensor([1, -2], undefined, 'float64').requireGrad();
      const opt = make([p]);
      lossStep(p, opt);
      lossStep(p, opt);
      const snapshot = opt.stateDict();
      const q = tensor(p.dataSync(), [2], 'float64').requireGrad();
      const restored = make([q]);
      restored.lr = 123;
      restored.loadStateDict(snapshot);
      expect(restored.lr).toBe(0.1);
      expect(lossStep(q, restored)).toEqual(lossStep(p, opt));
      const wrong = make([tensor([1, 2, 3], undefined, 'float64').requireGrad()]);
      expect(() => wrong.loadStateDict(snapshot)).toThrow(ShapeError);
      for (const t of snapshot.tensors.values()) t.dispose();
      for (const o of [opt, restored, wrong]) o.dispose();
    }
  });
});
