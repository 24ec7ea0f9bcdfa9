import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ValueError } from '@kwta/core';
import { afterAll, describe, expect, it } from 'vitest';
import { loadDataset, loadRun, runTrain, type Progress } from '../src/node.js';

const dir = mkdtempSync(join(tmpdir(), 'kwta-runs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('dataset specs', () => {
  it('refuses an unknown dataset or a missing directory, saying what is expected', () => {
    expect(() => loadDataset('imagenet', 'train')).toThrow(/unknown dataset 'imagenet'/);
    expect(() => loadDataset('imagenet', 'train')).toThrow(ValueError);
    expect(() => loadDataset('cifar10', 'train')).toThrow(/needs a directory: cifar10:<dir>/);
  });

  it('loads the embedded MNIST digits with a limit', () => {
    const ds = loadDataset('mnist', 'train', 100);
    expect(ds.labels.length).toBe(100);
    expect(ds.shape).toEqual([100, 1, 28, 28]);
  });
});

describe('a training run', () => {
  it('trains, reports progress, and loads back as the same model', () => {
    const out = join(dir, 'mlp');
    const seen: number[] = [];
    let stopped = false;
    const progress = (label: string, total: number): Progress => {
      expect(label).toBe('train mlp LWTA-4 natural');
      expect(total).toBe(4);
      return { update: (done) => void seen.push(done), stop: () => void (stopped = true) };
    };
    const summary = runTrain({
      model: 'mlp', activation: 'lwta:4', method: 'natural', dataset: 'mnist', epochs: 2, batchSize: 100, optimizer: 'adam', lr: 1e-3,
      momentum: 0.9, weightDecay: 0, milestones: [], eps: 0.3, attackSteps: 1, tradesBeta: 6, freeReplays: 1, hidden: 16, trainLimit: 200, seed: 3, out, progress,
    });
    expect(seen).toEqual([1, 2, 3, 4]);
    expect(stopped).toBe(true);
    expect(summary.label).toBe('mlp LWTA-4 natural');
    expect(summary.history).toHaveLength(2);
    const { config, model } = loadRun(out);
    expect(config).toMatchObject({ model: 'mlp', activation: 'lwta:4', hidden: 16, inChannels: 1, inputSize: 28, numClasses: 10 });
    expect(model.training).toBe(false);
    expect(model.numParameters()).toBe(784 * 16 + 16 + 16 * 16 + 16 + 16 * 10 + 10);
    model.dispose();
    expect(() => loadRun(join(dir, 'nope'))).toThrow(/has no config.json/);
  });

  it('records and applies the augmentation, the eps ramp, in-epoch checkpoints and the test limit', () => {
    const base = {
      model: 'mlp' as const, activation: 'relu', method: 'free' as const, dataset: 'mnist', epochs: 2, batchSize: 50, optimizer: 'sgd' as const, lr: 0.05,
      momentum: 0.9, weightDecay: 0, milestones: [], eps: 0.1, attackSteps: 1, tradesBeta: 6, freeReplays: 2, hidden: 16, trainLimit: 200, seed: 3,
    };
    const plain = runTrain({ ...base, out: join(dir, 'plain') });
    const extra = runTrain({ ...base, out: join(dir, 'extra'), cropPadding: 2, epsRampEpochs: 2, checkpointEvery: 2, testLimit: 40 });
    expect(loadRun(join(dir, 'extra')).config).toMatchObject({ cropPadding: 2, epsRampEpochs: 2 });
    expect(extra.history.map((h) => h.loss)).not.toEqual(plain.history.map((h) => h.loss));
    // The held-out accuracy is over the first 40 test digits: a multiple of 1/40.
    expect(Number.isInteger(Math.round(extra.testAccuracy * 40 * 1e6) / 1e6)).toBe(true);
  });
});
