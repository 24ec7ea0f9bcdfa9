import { WasmBackend, setBackend } from '@kwta/core';
import { NETS, type AttackView, type EpochResult, type Net, type TrainConfig } from '../../src/protocol.js';
import { attackDigit } from '../../src/engine/attack-run.js';
import { digitPixels } from '../../src/engine/data.js';
import { firstReadByBoth } from './trained.js';
import { buildModel } from '../../src/engine/models.js';
import { PairTrainer } from '../../src/engine/trainer.js';
import { nodeDigitSets } from './digits.js';

export interface AttackCase {
  attack: string;
  eps: number;
  steps: number;
  seed: number;
}

export interface Reference {
  steps: number;
  /** The first test digit both trained networks read correctly: the one the attacks run on. */
  index: number;
  final: Record<Net, EpochResult>;
  attacks: Record<Net, AttackView>[];
}

/**
 * What the page should show, computed by the Node engine: the same modules the worker runs, on
 * the same backend kind (WebAssembly, the same thread count), the same digits and seeds.
 */
export async function nodeReference(config: TrainConfig, cases: AttackCase[], threads: number): Promise<Reference> {
  const backend = new WasmBackend({ threads });
  await backend.ready;
  setBackend(backend);
  try {
    const sets = nodeDigitSets();
    const models = { relu: buildModel(config.model, 'relu'), kwta: buildModel(config.model, 'kwta') };
    const trainer = new PairTrainer(models, sets.train, sets.test, config);
    while (!trainer.finished) trainer.step();
    trainer.dispose();
    const index = firstReadByBoth(models, sets);
    const attacks = cases.map((c) => {
      const out = {} as Record<Net, AttackView>;
      for (const net of NETS) {
        out[net] = attackDigit(models[net], net, digitPixels(sets.test, index), sets.test.labels[index], c.attack, { eps: c.eps, steps: c.steps }, c.seed);
      }
      return out;
    });
    return { steps: trainer.steps, index, final: trainer.history[trainer.history.length - 1], attacks };
  } finally {
    backend.dispose();
  }
}
