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

  it('a run aborted mid-epoch resumes from its in-epoch checkpoint to the weights and losses of a straight run (free: delta and RNG carry over)', () => {
    const runFree = (store?: CheckpointStore, abortAt?: number) => {
      const model = smallMlp(5, { dropout: true });
      const opt = new SGD(model.parameters(), { lr: 0.05, momentum: 0.9 });
      let seen = 0;
      const r = train(model, opt, loader(data, 3, 40), {
        method: 'free', eps: 0.1, freeReplays: 2, epochs: 2, seed: 9, checkpoints: store, checkpointEvery: 2,
        onProgress: () => {
          if (++seen === abortAt) throw new Error('injected abort');
        },
      });
      return { model, r };
    };
    const straight = runFree();
    const store = memoryStore();
    // 5 batches an epoch: the abort after batch 3 of epoch 1 leaves the checkpoint taken after its batch 2.
    expect(() => runFree(store, 8)).toThrow('injected abort');
    expect(store.saves).toBe(4); // epoch 0: after batches 2, 4 and at its end; epoch 1: after batch 2
    const resumed = runFree(store);
    expect(resumed.r.resumedFrom).toBe(1);
    expect(resumed.r.history.map((h) => h.loss)).toEqual(straight.r.history.map((h) => h.loss));
    expect(resumed.r.history.map((h) => h.trainAccuracy)).toEqual(straight.r.history.map((h) => h.trainAccuracy));
    expect(Buffer.compare(weights(resumed.model), weights(straight.model))).toBe(0);
  });

  it('epsSchedule sets the adversary radius per epoch (a constant schedule equals plain eps; a ramp differs) and is validated', () => {
    const runAt = (o: { eps?: number; epsSchedule?: (e: number) => number }) => {
      const model = smallMlp(5);
      const opt = new SGD(model.parameters(), { lr: 0.05, momentum: 0.9 });
      train(model, opt, loader(data, 3, 40), { method: 'at', attackSteps: 2, epochs: 2, seed: 9, ...o });
      return weights(model);
    };
    const plain = runAt({ eps: 0.1 });
    expect(Buffer.compare(runAt({ epsSchedule: () => 0.1 }), plain)).toBe(0);
    expect(Buffer.compare(runAt({ epsSchedule: (e) => (e === 0 ? 0.05 : 0.1) }), plain)).not.toBe(0);
    expect(() => runAt({ epsSchedule: () => 0 })).toThrow(/needs eps > 0/);
    const model = smallMlp(5);
    expect(() => train(model, new SGD(model.parameters(), { lr: 0.05 }), loader(data, 3, 40), { method: 'natural', epochs: 1, seed: 1, checkpointEvery: 0 })).toThrow(/checkpointEvery must be a positive integer/);
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
