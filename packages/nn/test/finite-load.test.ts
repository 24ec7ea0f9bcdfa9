import { join } from 'node:path';
import { Generator, tensor } from '@kwta/core';
import { afterAll, describe, expect, it } from 'vitest';
import { Linear, SafetensorsError, Sequential, encodeSafetensors, loadSafetensorsBytes, CheckpointError } from '../src/index.js';
import { loadSafetensorsInto, loadTorchCheckpoint, saveSafetensors } from '../src/node.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { writeTorchFixtures } from './torch-fixtures.js';

const root = mkdtempSync(join(tmpdir(), 'kwta-finite-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

// NaN or Infinity in weights gives finite-looking garbage downstream (a ReLU network's argmax
// still picks a class): loading into a model refuses them by default, naming the tensor.
describe('loading weights checks they are finite', () => {
  const gen = new Generator(1);
  const poisoned = () => {
    const m = new Linear(3, 2, { gen });
    m.weight.assign(tensor([[1, 2, 3], [4, NaN, 6]]));
    return m;
  };

  it('safetensors file and bytes: refused by default, with the tensor and element named; loadable when asked', () => {
    const path = join(root, 'nan.safetensors');
    saveSafetensors(path, poisoned());
    const into = new Linear(3, 2, { gen });
    expect(() => loadSafetensorsInto(into, path)).toThrow(SafetensorsError);
    expect(() => loadSafetensorsInto(into, path)).toThrow(`${path}: tensor 'weight' [2, 3] holds NaN at index [1, 1]; pass { checkFinite: false } to load it anyway`);
    expect(Array.from(into.weight.dataSync()).every(Number.isFinite)).toBe(true); // nothing was replaced
    loadSafetensorsInto(into, path, { checkFinite: false });
    expect(Number.isNaN(into.weight.dataSync()[4])).toBe(true);
    const bytes = encodeSafetensors(poisoned().stateDict());
    expect(() => loadSafetensorsBytes(new Linear(3, 2, { gen }), bytes)).toThrow(/safetensors buffer: tensor 'weight' \[2, 3\] holds NaN at index \[1, 1\]/);
  });

  it('PyTorch checkpoints too', async () => {
    const fixtures = await writeTorchFixtures('torch_checkpoints.py');
    try {
      const model = new Sequential(new Linear(3, 3, { gen, bias: false }));
      const file = join(fixtures.dir, 'dtypes.pth');
      const only32 = { rename: (n: string) => (n === 'f32' ? '0.weight' : undefined), strict: false };
      expect(() => loadTorchCheckpoint(model, file, only32)).toThrow(CheckpointError);
      expect(() => loadTorchCheckpoint(model, file, only32)).toThrow(`${file}: tensor '0.weight' [3, 3] holds Infinity at index [2, 0]; pass { checkFinite: false } to load it anyway`);
      expect(loadTorchCheckpoint(model, file, { ...only32, checkFinite: false }).loaded).toBe(1);
    } finally {
      fixtures.cleanup();
    }
  });
});
