import { Generator, memory, ValueError } from '@kwta/core';
import { describe, expect, it } from 'vitest';
import { DataLoader, gaussianNoise, type Batch, type Transform } from '../src/index.js';
import { toyDataset } from './helpers/toy.js';

const data = toyDataset(23, [2, 3, 3]);

function summary(batches: Iterable<Batch>): { indices: number[][]; labels: number[][]; images: number[][] } {
  const out = { indices: [] as number[][], labels: [] as number[][], images: [] as number[][] };
  for (const b of batches) {
    out.indices.push(Array.from(b.indices));
    out.labels.push(Array.from(b.labels.dataSync()));
    out.images.push(Array.from(b.images.dataSync()));
    b.images.dispose();
    b.labels.dispose();
  }
  return out;
}

describe('DataLoader', () => {
  it('yields float32 [N, C, H, W] images and int32 [N] labels, each example once per epoch', () => {
    const loader = new DataLoader(data, { batchSize: 5, seed: 1 });
    expect(loader.length).toBe(5);
    const seen: number[] = [];
    for (const b of loader.batches(0)) {
      expect(b.images.dtype).toBe('float32');
      expect(b.labels.dtype).toBe('int32');
      expect(b.images.shape).toEqual([b.index === 4 ? 3 : 5, 2, 3, 3]);
      expect(b.labels.shape).toEqual([b.images.shape[0]]);
      const px = b.images.dataSync();
      const ys = b.labels.dataSync();
      b.indices.forEach((i, k) => {
        expect(ys[k]).toBe(i % 10);
        expect(px[k * 18]).toBe(Math.fround((i + 1) / 24));
      });
      seen.push(...b.indices);
      b.images.dispose();
      b.labels.dispose();
    }
    expect(seen.slice().sort((a, b) => a - b)).toEqual(Array.from({ length: 23 }, (_, i) => i));
    expect(seen).not.toEqual(Array.from({ length: 23 }, (_, i) => i));
  });

  it('drops the short last batch when asked', () => {
    const loader = new DataLoader(data, { batchSize: 5, seed: 1, dropLast: true });
    expect(loader.length).toBe(4);
    const s = summary(loader.batches(0));
    expect(s.indices.map((b) => b.length)).toEqual([5, 5, 5, 5]);
  });

  it('keeps dataset order without shuffling (no seed needed)', () => {
    const s = summary(new DataLoader(data, { batchSize: 10, shuffle: false }).batches(3));
    expect(s.indices.flat()).toEqual(Array.from({ length: 23 }, (_, i) => i));
  });

  it('same seed, same batches; epochs reshuffle; any epoch is reproducible on its own', () => {
    const transform = gaussianNoise(0.1);
    const a = new DataLoader(data, { batchSize: 4, seed: 42, transform });
    const b = new DataLoader(data, { batchSize: 4, seed: 42, transform });
    const a0 = summary(a);
    const a1 = summary(a);
    expect(summary(b)).toEqual(a0);
    expect(summary(b)).toEqual(a1);
    expect(a1.indices).not.toEqual(a0.indices);
    expect(summary(new DataLoader(data, { batchSize: 4, seed: 42, transform }).batches(1))).toEqual(a1);
    expect(summary(new DataLoader(data, { batchSize: 4, seed: 43, transform }).batches(0)).indices).not.toEqual(a0.indices);
  });

  it('an epoch started at batch `from` yields that epoch\'s remaining batches, transforms included (a resumed run skips none and repeats none)', () => {
    const make = () => new DataLoader(data, { batchSize: 4, seed: 42, transform: gaussianNoise(0.1) });
    const whole = summary(make().batches(2));
    const rest = summary(make().batches(2, 3));
    expect(rest.indices).toEqual(whole.indices.slice(3));
    expect(rest.images).toEqual(whole.images.slice(3));
    expect(() => make().batches(2, -1).next()).toThrow(ValueError);
  });

  it('takes its seed from a Generator when given one', () => {
    const a = summary(new DataLoader(data, { batchSize: 4, seed: new Generator(9) }).batches(0));
    expect(summary(new DataLoader(data, { batchSize: 4, seed: new Generator(9) }).batches(0))).toEqual(a);
    expect(summary(new DataLoader(data, { batchSize: 4, seed: new Generator(10) }).batches(0)).indices).not.toEqual(a.indices);
  });

  it('the async iterator gives the same batches as the sync one', async () => {
    const loader = new DataLoader(data, { batchSize: 6, seed: 7, transform: gaussianNoise(0.05) });
    const batches: Batch[] = [];
    for await (const b of loader.batchesAsync(2)) batches.push(b);
    expect(summary(batches)).toEqual(summary(loader.batches(2)));
  });

  it('prepares the next batch while the consumer works on the current one', async () => {
    const prepared: number[] = [];
    let calls = 0;
    const counting: Transform = {
      name: 'counting',
      apply: (images) => {
        prepared.push(calls++);
        return images;
      },
    };
    const loader = new DataLoader(data, { batchSize: 5, seed: 3, transform: counting });
    let index = 0;
    for await (const b of loader) {
      // While "training" on batch `index` (an awaited step), batch index + 1 gets prepared.
      await new Promise((resolve) => setTimeout(resolve, 5));
      expect(prepared.length).toBe(Math.min(index + 2, loader.length));
      b.images.dispose();
      b.labels.dispose();
      index++;
    }
    expect(index).toBe(5);
  });

  it('leaks no tensors when a loop stops early', async () => {
    const loader = new DataLoader(data, { batchSize: 5, seed: 3 });
    const before = memory().numTensors;
    for await (const b of loader) {
      b.images.dispose();
      b.labels.dispose();
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(memory().numTensors).toBe(before);
  });

  it('refuses bad options', () => {
    expect(() => new DataLoader(data, { batchSize: 0, seed: 1 })).toThrow(ValueError);
    expect(() => new DataLoader(data, { batchSize: 2 })).toThrow(/seed is required/);
    expect(() => new DataLoader(data, { batchSize: 2, seed: 1 }).prepare(0, 99)).toThrow(/batch index 99/);
    expect(() => new DataLoader(data, { batchSize: 2, seed: 1 }).order(-1)).toThrow(/epoch must be/);
  });
});
