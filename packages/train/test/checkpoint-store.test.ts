import { describe, expect, it } from 'vitest';
import { encodeSafetensors } from '@kwta/nn';
import { SGD } from '@kwta/optim';
import { decodeCheckpoint, encodeCheckpoint, train, type CheckpointStore } from '../src/index.js';
import { loader, mnistSlice, smallMlp } from './fixtures/problem.js';

/** A checkpoint store with no files: the bytes encodeCheckpoint makes, kept in memory (as a browser would). */
function memoryStore(): CheckpointStore & { bytes: Uint8Array | null; saves: number } {
  const store = {
    bytes: null as Uint8Array | null,
    saves: 0,
    load: (model: Parameters<CheckpointStore['load']>[0], optimizer: Parameters<CheckpointStore['load']>[1]) =>
      store.bytes ? decodeCheckpoint(store.bytes, 'memory', model, optimizer) : null,
    save: (...args: Parameters<CheckpointStore['save']>) => {
      store.bytes = encodeCheckpoint(...args);
      store.saves++;
    },
  };
  return store;
}

const weights = (m: ReturnType<typeof smallMlp>): Uint8Array => encodeSafetensors(m.stateDict());

describe('checkpoint stores: train resumes through any CheckpointStore', () => {
  const data = mnistSlice('train', 200);
  const run = (epochs: number, store?: CheckpointStore) => {
    const model = smallMlp(5, { dropout: true });
    const opt = new SGD(model.parameters(), { lr: 0.05, momentum: 0.9 });
    const r = train(model, opt, loader(data, 3, 40), { method: 'natural', epochs, seed: 9, checkpoints: store });
    return { model, r };
  };

  it('a run stopped after one epoch and resumed from memory ends with the weights of a straight run', () => {
    const straight = run(2);
    const store = memoryStore();
    run(1, store);
    expect(store.saves).toBe(1);
    const resumed = run(2, store);
    expect(resumed.r.resumedFrom).toBe(1);
    expect(resumed.r.history.map((h) => h.loss)).toEqual(straight.r.history.map((h) => h.loss));
    expect(Buffer.compare(weights(resumed.model), weights(straight.model))).toBe(0);
  });

  it('bytes that are not a checkpoint are refused by name before anything changes', () => {
    const model = smallMlp(5);
    const before = weights(model);
    const opt = new SGD(model.parameters(), { lr: 0.05 });
    expect(() => decodeCheckpoint(weights(smallMlp(6)), 'other.safetensors', model, opt)).toThrow(/other\.safetensors has no kwta metadata/);
    expect(() => decodeCheckpoint(new Uint8Array(12), 'junk.bin', model, opt)).toThrow(/junk\.bin/);
    expect(Buffer.compare(weights(model), before)).toBe(0);
  });
});
