import { Generator, matmul, randn, tidy, type Tensor } from '@kwta/core';
import { batchToTensors, gatherBatch, type ImageDataset } from '@kwta/datasets';
import { Adam } from '@kwta/optim';
import { FreeState, resolveMethodOptions, trainStep } from '@kwta/train';
import { NETS, type ModelSpec, type Net } from '../protocol.js';
import { buildModel } from './models.js';

/** Median of a few timed runs of `fn` (after one warm-up run, which also compiles gpu.js kernels). */
function medianMs(fn: () => void, runs: number): number {
  fn();
  const times: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  return times.sort((a, b) => a - b)[Math.floor(runs / 2)];
}

/** GFLOP/s of a 256 x 256 float32 matrix product on the current backend. */
export function matmulGflops(runs = 5): number {
  return tidy(() => {
    const g = new Generator(7);
    const a = randn([256, 256], g), b = randn([256, 256], g);
    const ms = medianMs(() => tidy(() => void matmul(a, b).dataSync()), runs);
    return (2 * 256 ** 3) / (ms * 1e6);
  });
}

/**
 * Milliseconds per training step (batch of 64 digits, forward, backward, Adam) of each network
 * as `spec` builds it, on fresh copies so the user's networks are untouched.
 */
export function stepMs(spec: ModelSpec, digits: ImageDataset, runs = 3): Record<Net, number> {
  const idx = Int32Array.from({ length: 64 }, (_, i) => i % digits.shape[0]);
  const out = {} as Record<Net, number>;
  for (const net of NETS) {
    const model = buildModel(spec, net);
    const optimizer = new Adam(model.parameters(), { lr: 1e-3 });
    const method = resolveMethodOptions('natural', {});
    const free = new FreeState();
    const gen = new Generator(1);
    const { images, labels }: { images: Tensor; labels: Tensor } = batchToTensors(gatherBatch(digits, idx));
    try {
      out[net] = medianMs(() => tidy(() => void trainStep('natural', { model, optimizer, gen }, images, labels, method, free)), runs);
    } finally {
      images.dispose();
      labels.dispose();
      optimizer.dispose();
      model.dispose();
    }
  }
  return out;
}
