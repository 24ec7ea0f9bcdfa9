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
  let index = 0;
  while ([models.relu, models.kwta].some((m) => argmax(logitsOf(m, digitPixels(sets.test, index))) !== sets.test.labels[index])) index++;
  return { models, index };
}
