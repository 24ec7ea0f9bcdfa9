import { Generator } from '@kwta/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { CarliniWagnerL2, DeepFool, EstimatedGradientPGD, FGSM, MIM, PGD, SquareAttack, TransferAttack, buildAttack, paperAttacks, paperPGD } from '../src/index.js';
import { blobProblem } from './fixtures/models.js';
import { Mlp } from './fixtures/mlp.js';
import { blobs, type Blobs } from './fixtures/synthetic.js';

const accuracy = (success: boolean[]) => success.filter((s) => !s).length / success.length;
const rate = (success: boolean[]) => success.filter(Boolean).length / success.length;

let net: Mlp;
let data: Blobs;

beforeAll(() => {
  ({ net, test: data } = blobProblem('relu', 40));
});

describe('white-box attacks on a trained ReLU network (4 blobs in [0,1]^20)', () => {
  it('the network is accurate, and PGD takes it below 10% at eps = 0.12', () => {
    expect(net.accuracy(data.x, data.y)).toBeGreaterThanOrEqual(0.95);
    const r = new PGD({ eps: 0.12, steps: 40 }).run(net.forward, data.x, data.y, { gen: new Generator(1) });
    expect(accuracy(r.success)).toBeLessThan(0.1);
    // Early stopping: broken examples stop spending gradients.
    expect(Math.min(...r.gradCount)).toBeLessThan(40);
  });

  it('FGSM and MIM hurt, PGD with restarts is at least as strong as one run', () => {
    const gen = new Generator(2);
    const clean = net.accuracy(data.x, data.y);
    const fgsm = accuracy(new FGSM({ eps: 0.12 }).run(net.forward, data.x, data.y).success);
    const mim = accuracy(new MIM({ eps: 0.12, steps: 20, stepSize: 0.012 }).run(net.forward, data.x, data.y).success);
    const one = accuracy(new PGD({ eps: 0.08, steps: 20 }).run(net.forward, data.x, data.y, { gen }).success);
    const three = accuracy(new PGD({ eps: 0.08, steps: 20, restarts: 3 }).run(net.forward, data.x, data.y, { gen }).success);
    expect(fgsm).toBeLessThan(clean - 0.3);
    expect(mim).toBeLessThan(0.2);
    expect(three).toBeLessThanOrEqual(one);
  });

  it('L2 PGD, unbounded C&W-L2 and DeepFool find adversarial examples', () => {
    const pgd = new PGD({ eps: 0.6, norm: 'l2', steps: 40 }).run(net.forward, data.x, data.y, { gen: new Generator(3) });
    expect(accuracy(pgd.success)).toBeLessThan(0.1);
    const cw = new CarliniWagnerL2({ binarySearchSteps: 5, steps: 50, learningRate: 0.05, initialConst: 1 }).run(net.forward, data.x, data.y);
    expect(rate(cw.success)).toBeGreaterThan(0.9);
    const df = new DeepFool({ norm: 'l2' }).run(net.forward, data.x, data.y);
    expect(rate(df.success)).toBeGreaterThan(0.9);
    // DeepFool's perturbations are near-minimal: on the order of the L2 radius PGD needs.
    const mean = df.norms.reduce((a, b) => a + b, 0) / df.norms.length;
    expect(mean).toBeLessThan(0.6);
  });

  it('targeted attacks reach their target in most cases', () => {
    const targets = Int32Array.from(data.y, (v) => (v + 1) % 4);
    const gen = new Generator(4);
    const hits = (success: boolean[]) => rate(success);
    const pgd = new PGD({ eps: 0.25, steps: 40 }).run(net.forward, data.x, data.y, { gen, targets });
    const margin = new PGD({ eps: 0.25, steps: 40, loss: 'margin' }).run(net.forward, data.x, data.y, { gen, targets });
    const cw = new CarliniWagnerL2({ steps: 50, learningRate: 0.05, initialConst: 1 }).run(net.forward, data.x, data.y, { targets });
    const square = new SquareAttack({ eps: 0.25, queries: 400 }).run(net.forward, data.x, data.y, { gen, targets });
    for (const r of [pgd, margin, cw, square]) expect(hits(r.success)).toBeGreaterThan(0.8);
    const pred = net.forward(pgd.xAdv).argmax(1).dataSync();
    pgd.success.forEach((s, i) => expect(s).toBe(pred[i] === targets[i]));
  });

  it('gradient estimation and Square agree with PGD on a network that does not mask gradients', () => {
    const gen = new Generator(5);
    const pgd = accuracy(new PGD({ eps: 0.1, steps: 40 }).run(net.forward, data.x, data.y, { gen }).success);
    const est = accuracy(new EstimatedGradientPGD({ eps: 0.1, steps: 40, samples: { initial: 8, max: 32, doubleEvery: 15 } }).run(net.forward, data.x, data.y, { gen }).success);
    const square = accuracy(new SquareAttack({ eps: 0.1, queries: 500 }).run(net.forward, data.x, data.y, { gen }).success);
    expect(Math.abs(est - pgd)).toBeLessThanOrEqual(0.1);
    expect(square).toBeGreaterThanOrEqual(pgd - 0.05);
  });

  it('transfer from an independently trained copy is weaker than white-box PGD', () => {
    // An independently trained, narrower copy: same data, other initialisation and batches.
    const train = blobs(1, 2000, 20, 4, 0.05);
    const copy = new Mlp([20, 100, 100, 4], { kind: 'relu' }, 77);
    copy.train(train.x, train.y, { steps: 200, batch: 64, lr: 0.05, seed: 78 });
    const gen = new Generator(6);
    const white = accuracy(new PGD({ eps: 0.15, steps: 40 }).run(net.forward, data.x, data.y, { gen }).success);
    const transfer = new TransferAttack(copy.forward, new PGD({ eps: 0.15, steps: 40 })).run(net.forward, data.x, data.y, { gen });
    expect(accuracy(transfer.success)).toBeGreaterThanOrEqual(white);
    expect(accuracy(transfer.success)).toBeLessThan(net.accuracy(data.x, data.y));
    expect(transfer.gradCount.every((c) => c >= 1)).toBe(true);
  });

  it('the registry\'s transfer attack crafts with every PGD step on the source (no early stop), and transfers at least as well', () => {
    const train = blobs(1, 2000, 20, 4, 0.05);
    const copy = new Mlp([20, 100, 100, 4], { kind: 'relu' }, 77);
    copy.train(train.x, train.y, { steps: 200, batch: 64, lr: 0.05, seed: 78 });
    const eps = 0.1;
    // On the source: without early stop every row takes all 20 steps and ends at a higher loss.
    const stop = new PGD({ eps, steps: 20 }).run(copy.forward, data.x, data.y, { gen: new Generator(9) });
    const all = new PGD({ eps, steps: 20, earlyStop: false }).run(copy.forward, data.x, data.y, { gen: new Generator(9) });
    expect(Math.min(...stop.gradCount)).toBeLessThan(20);
    expect(all.gradCount.every((c) => c === 20)).toBe(true);
    expect(rate(all.success)).toBeGreaterThanOrEqual(rate(stop.success));
    expect(copy.meanLoss(all.xAdv, data.y)).toBeGreaterThan(copy.meanLoss(stop.xAdv, data.y));
    // On the attacked model.
    const registry = buildAttack('transfer', { eps, steps: 20, stepSize: eps / 8, source: copy.forward });
    expect(registry.name).toContain('every step');
    const frozen = new TransferAttack(copy.forward, new PGD({ eps, steps: 20, stepSize: eps / 8 }));
    const strong = rate(registry.run(net.forward, data.x, data.y, { gen: new Generator(10) }).success);
    const weak = rate(frozen.run(net.forward, data.x, data.y, { gen: new Generator(10) }).success);
    expect(strong).toBeGreaterThanOrEqual(weak);
  });

  it('paper presets carry the paper settings', () => {
    const cifar = paperPGD('cifar10');
    expect([cifar.config.eps, cifar.config.steps, cifar.config.stepSize, cifar.config.randomStart]).toEqual([0.031, 40, 0.003, true]);
    const mnist = paperPGD('mnist');
    expect([mnist.config.eps, mnist.config.steps, mnist.config.stepSize]).toEqual([0.3, 20, 0.03]);
    const names = paperAttacks('cifar10').map((a) => a.name.split('(')[0]);
    expect(names).toEqual(['FGSM', 'PGD-paper-cifar10', 'CW-L2', 'CW-Linf', 'DeepFool', 'MIM']);
    const cw = paperAttacks('svhn')[2] as CarliniWagnerL2;
    expect([cw.eps, cw.cfg.binarySearchSteps, cw.cfg.steps, cw.cfg.learningRate, cw.cfg.initialConst]).toEqual([0.047, 5, 20, 0.01, 0.01]);
  });
});
