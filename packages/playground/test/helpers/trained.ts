import type { Module } from '@kwta/nn';
import type { ModelSpec, Net } from '../../src/protocol.js';
import { argmax, logitsOf } from '../../src/engine/attack-run.js';
import { digitPixels, type DigitSets } from '../../src/engine/data.js';
import { buildModel } from '../../src/engine/models.js';
import { PairTrainer } from '../../src/engine/trainer.js';

/** Both networks after a short training run, and the first test digit both read correctly. */
export function trainedPair(sets: DigitSets, spec: ModelSpec): { models: Record<Net, Module>; index: number } {
  const models = { relu: buildModel(spec, 'relu'), kwta: buildModel(spec, 'kwta') };
  const trainer = new PairTrainer(models, sets.train, sets.test, { model: spec, epochs: 2, trainSize: 1000, testSize: 100, batchSize: 50, lr: 0.01, seed: 1 });
  while (!trainer.finished) trainer.step();
  trainer.dispose();
  return { models, index: firstReadByBoth(models, sets) };
}

/** The first test digit both networks read correctly. */
export function firstReadByBoth(models: Record<Net, Module>, sets: DigitSets): number {
  for (let i = 0; i < sets.test.shape[0]; i++) {
    if ([models.relu, models.kwta].every((m) => argmax(logitsOf(m, digitPixels(sets.test, i))) === sets.test.labels[i])) return i;
  }
  throw new Error('no test digit is read correctly by both networks');
}
