import { describe, expect, it } from 'vitest';
import { Generator, ValueError, memory, noGrad, tidy } from '@kwta/core';
import { batchToTensors, gatherBatch } from '@kwta/datasets';
import { crossEntropy, type Module } from '@kwta/nn';
import { IncrementalSparsity, SGD } from '@kwta/optim';
import { PGD } from '@kwta/attacks';
import { evaluateAccuracy, train, type Method } from '../src/index.js';
import { loader, mnistSlice, smallMlp } from './fixtures/problem.js';

const EPS = 0.1;

const trainSet = mnistSlice('train', 2000);
const testSet = mnistSlice('test', 400);

/** Robust accuracy under a 20-step PGD (from @kwta/attacks) at EPS on the test slice. */
function robustAccuracy(model: Module): number {
  model.eval();
  const { images, labels } = batchToTensors(gatherBatch(testSet, Int32Array.from({ length: testSet.labels.length }, (_, i) => i)));
  const r = new PGD({ eps: EPS, steps: 20, stepSize: EPS / 8, restarts: 1 }).run(model, images, labels, { gen: new Generator(9) });
  const robust = r.success.filter((s) => !s).length / r.success.length;
  r.xAdv.dispose();
  images.dispose();
  labels.dispose();
  return robust;
}

function fit(method: Method, epochs = 2): { model: Module; clean: number; robust: number } {
  const model = smallMlp(1);
  const opt = new SGD(model.parameters(), { lr: 0.05, momentum: 0.9 });
  train(model, opt, loader(trainSet, 3), { method, epochs, seed: 5, eps: EPS, attackSteps: 5, freeReplays: 4 });
  return { model, clean: evaluateAccuracy(model, loader(testSet, 0, 200)), robust: robustAccuracy(model) };
}

describe('training recipes on MNIST digits (784-64-10 MLP, eps 0.1)', () => {
  const natural = fit('natural');

  it('natural training learns and is not robust', () => {
    expect(natural.clean).toBeGreaterThan(0.8);
    expect(natural.robust).toBeLessThan(0.5);
  });

  it.each(['at', 'trades', 'free'] as const)('%s improves robust accuracy over natural training', (method) => {
    const r = fit(method);
    expect(r.clean).toBeGreaterThan(0.6);
    console.log(`${method}: clean ${r.clean.toFixed(3)} robust ${r.robust.toFixed(3)} (natural: clean ${natural.clean.toFixed(3)} robust ${natural.robust.toFixed(3)})`);
    expect(r.robust).toBeGreaterThan(natural.robust + 0.1);
  });
});

describe('train loop', () => {
  it('applies the incremental sparsity schedule per epoch', () => {
    const model = smallMlp(2, { kwta: true });
    const opt = new SGD(model.parameters(), { lr: 0.05 });
    const sparsity = new IncrementalSparsity({ gamma0: 0.3, gamma1: 0.2, delta: 0.05, initialEpochs: 1, epochsPerStep: 1 });
    const small = mnistSlice('train', 200);
    const { history } = train(model, opt, loader(small, 1), { method: 'natural', epochs: 3, seed: 1, sparsity });
    expect(history.map((h) => h.gamma)).toEqual([0.3, 0.25, 0.2]);
  });

  it('keeps memory flat across epochs and reports progress with an ETA', () => {
    const model = smallMlp(3);
    const opt = new SGD(model.parameters(), { lr: 0.05 });
    const small = mnistSlice('train', 200);
    const seen: number[] = [];
    train(model, opt, loader(small, 1), { method: 'at', eps: 0.1, attackSteps: 2, epochs: 1, seed: 1 });
    const before = memory();
    train(model, opt, loader(small, 1), { method: 'at', eps: 0.1, attackSteps: 2, epochs: 2, seed: 1, onProgress: (p) => seen.push(p.etaSeconds) });
    expect(memory()).toEqual(before);
    expect(seen.length).toBe(8);
    expect(seen[seen.length - 1]).toBe(0);
  });

  it('refuses bad options with clear errors', () => {
    const model = smallMlp(4);
    const opt = new SGD(model.parameters(), { lr: 0.05 });
    const small = mnistSlice('train', 50);
    expect(() => train(model, opt, loader(small, 1), { method: 'at', epochs: 1, seed: 1 })).toThrow(/method 'at' needs eps > 0/);
    expect(() => train(model, opt, loader(small, 1), { method: 'pgd' as Method, epochs: 1, seed: 1 })).toThrow(ValueError);
    expect(() => train(model, opt, loader(small, 1), { method: 'natural', epochs: -1, seed: 1 })).toThrow(/epochs must be/);
  });

  it('stops with a clear error when the loss diverges', () => {
    const model = smallMlp(5);
    const opt = new SGD(model.parameters(), { lr: 1e6 });
    const small = mnistSlice('train', 200);
    expect(() => train(model, opt, loader(small, 1), { method: 'natural', epochs: 2, seed: 1 })).toThrow(/loss became/);
    noGrad(() => tidy(() => crossEntropy));
  });
});
