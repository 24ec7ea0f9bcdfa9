import { Generator, tensor } from '@kwta/core';
import { KWTA, mnistCnn, setSparsity } from '@kwta/nn';
import { describe, expect, it } from 'vitest';
import { ConstantLR, CosineLR, IncrementalSparsity, LinearWarmup, MultiStepLR, SGD, applySchedule } from '../src/index.js';

describe('learning-rate schedules', () => {
  it('multi-step: the paper’s 0.1 until epoch 50, then 0.01', () => {
    const s = new MultiStepLR({ baseLr: 0.1, milestones: [50] });
    expect(s.lrAt(0)).toBe(0.1);
    expect(s.lrAt(49)).toBe(0.1);
    expect(s.lrAt(50)).toBeCloseTo(0.01, 15);
    expect(s.lrAt(79)).toBeCloseTo(0.01, 15);
    expect(new MultiStepLR({ baseLr: 1, milestones: [2, 4], gamma: 0.5 }).lrAt(4)).toBe(0.25);
    expect(() => new MultiStepLR({ baseLr: 0.1, milestones: [5, 3] })).toThrow(/increasing/);
    expect(() => s.lrAt(-1)).toThrow(/epoch must be an integer >= 0/);
  });

  it('cosine: base at 0, midpoint halfway, min at the end and after', () => {
    const s = new CosineLR({ baseLr: 0.1, totalEpochs: 10, minLr: 0.001 });
    expect(s.lrAt(0)).toBeCloseTo(0.1, 15);
    expect(s.lrAt(5)).toBeCloseTo((0.1 + 0.001) / 2, 15);
    expect(s.lrAt(10)).toBeCloseTo(0.001, 15);
    expect(s.lrAt(20)).toBeCloseTo(0.001, 15);
    expect(s.lrAt(3)).toBeCloseTo(0.001 + (0.099 * (1 + Math.cos((3 * Math.PI) / 10))) / 2, 15);
  });

  it('linear warm-up multiplies the following schedule and sets the optimizer’s lr', () => {
    const s = new LinearWarmup({ warmupEpochs: 4, startFactor: 0.2, then: new ConstantLR(0.5) });
    expect([0, 1, 2, 3, 4, 5].map((e) => s.lrAt(e))).toEqual([0.1, 0.2, 0.3, 0.4, 0.5, 0.5].map((v) => expect.closeTo(v, 15)));
    const p = tensor([1]).requireGrad();
    const opt = new SGD([p], { lr: 1 });
    expect(applySchedule(opt, s, 2)).toBeCloseTo(0.3, 15);
    expect(opt.lr).toBeCloseTo(0.3, 15);
    p.dispose();
  });
});

describe('incremental sparsity (the paper’s fine-tuning schedule)', () => {
  const paper = new IncrementalSparsity({ gamma0: 0.2, gamma1: 0.1, delta: 0.005, initialEpochs: 50, epochsPerStep: 2 });

  it('trains 50 epochs at 0.2, then lowers γ by 0.005 every 2 epochs down to 0.1 (90 epochs)', () => {
    expect(paper.numSteps).toBe(20);
    expect(paper.totalEpochs).toBe(90);
    expect(paper.gammaAt(0)).toBe(0.2);
    expect(paper.gammaAt(49)).toBe(0.2);
    expect([50, 51, 52, 53, 54].map((e) => paper.gammaAt(e))).toEqual([0.195, 0.195, 0.19, 0.19, 0.185]);
    expect(paper.gammaAt(88)).toBe(0.1);
    expect(paper.gammaAt(89)).toBe(0.1);
    expect(paper.gammaAt(500)).toBe(0.1);
    const distinct = [...new Set(paper.table().map((r) => r.gamma))];
    expect(distinct).toHaveLength(21);
    expect(paper.changesAt(50)).toBe(true);
    expect(paper.changesAt(51)).toBe(false);
  });

  it('lands on gamma1 when delta does not divide the range, and validates its options', () => {
    const s = new IncrementalSparsity({ gamma0: 0.3, gamma1: 0.1, delta: 0.07, initialEpochs: 0, epochsPerStep: 1 });
    expect(s.table().map((r) => r.gamma)).toEqual([0.23, 0.16, 0.1]);
    expect(() => new IncrementalSparsity({ gamma0: 0.1, gamma1: 0.2, delta: 0.01, initialEpochs: 1 })).toThrow(/gamma1 <= gamma0/);
    expect(() => new IncrementalSparsity({ gamma0: 0.2, gamma1: 0.1, delta: 0, initialEpochs: 1 })).toThrow(/delta/);
  });

  it('drives @kwta/nn’s setSparsity from the training loop', () => {
    const model = mnistCnn({ gen: new Generator(0), channels: [1, 1, 1, 1], hiddenSize: 8, activation: () => new KWTA({ gamma: paper.gamma0 }) });
    const seen: number[] = [];
    for (let epoch = 48; epoch < 56; epoch++) {
      if (paper.changesAt(epoch)) setSparsity(model, paper.gammaAt(epoch));
      seen.push(model.modules().find((m): m is KWTA => m instanceof KWTA)!.gamma);
    }
    expect(seen).toEqual([0.2, 0.2, 0.195, 0.195, 0.19, 0.19, 0.185, 0.185]);
    model.dispose();
  });
});
