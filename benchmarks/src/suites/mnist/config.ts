import { Generator, noGrad } from '@kwta/core';
import { mnistCnn } from '@kwta/nn';

/**
 * One training step of the kWTA repository's MNIST CNN: conv3x3 1→c0, c0→c1 stride 2, c1→c2,
 * c2→c3 stride 2 (all padding 1), flatten, a hidden linear layer, 10 outputs; softmax
 * cross-entropy, plain SGD. Every engine gets the same initial weights and the same batch.
 */
export interface MnistStepConfig {
  batch: number;
  /** Input side (28 for MNIST). */
  size: number;
  channels: [number, number, number, number];
  hidden: number;
  lr: number;
  /** SGD momentum (PyTorch's rule: the first step's buffer is the gradient). */
  momentum: number;
  /** Seed of the initial weights (@kwta/nn's mnistCnn init) and of the batch. */
  seed: number;
}

export const mnistConfig = (hidden: number, momentum = 0): MnistStepConfig => ({ batch: 64, size: 28, channels: [32, 32, 64, 64], hidden, lr: 0.01, momentum, seed: 7 });

/** Smoke-test network: same structure, tiny. */
export const QUICK_MNIST: MnistStepConfig = { batch: 3, size: 8, channels: [2, 3, 4, 4], hidden: 12, lr: 0.01, momentum: 0, seed: 7 };

/** Side after the two stride-2 convolutions. */
export const finalSide = (cfg: MnistStepConfig): number => Math.floor((Math.floor((cfg.size - 1) / 2) + 1 - 1) / 2) + 1;

/**
 * Floating-point work of one step: forward, then backward at twice the forward cost, except the
 * first convolution's input gradient, which no engine computes (the input needs no gradient).
 */
export function stepFlops(cfg: MnistStepConfig): number {
  const s1 = cfg.size, s2 = Math.floor((s1 - 1) / 2) + 1, s3 = s2, s4 = finalSide(cfg);
  const [c0, c1, c2, c3] = cfg.channels;
  const conv = (cin: number, cout: number, out: number) => 2 * cfg.batch * cout * out * out * cin * 9;
  const first = conv(1, c0, s1);
  const forward = first + conv(c0, c1, s2) + conv(c1, c2, s3) + conv(c2, c3, s4) + 2 * cfg.batch * (s4 * s4 * c3 * cfg.hidden + cfg.hidden * 10);
  return 3 * forward - first;
}

export interface MnistInit {
  /** Parameters in @kwta/nn's order and PyTorch's layout ([F, C, KH, KW], Linear [out, in]). */
  params: { name: string; shape: number[]; values: Float32Array }[];
  x: Float32Array;
  labels: Int32Array;
}

/** The files a PyTorch step script reads: every parameter in order as one float32 array, the batch, the labels. */
export function torchStepFiles(init: MnistInit): Record<string, ArrayBufferView> {
  const params = new Float32Array(init.params.reduce((n, p) => n + p.values.length, 0));
  let at = 0;
  for (const p of init.params) {
    params.set(p.values, at);
    at += p.values.length;
  }
  return { 'params.f32': params, 'x.f32': init.x, 'labels.i32': init.labels };
}

/** The shared starting point: mnistCnn's seeded initial weights, a normal batch, uniform labels. */
export function mnistInit(cfg: MnistStepConfig): MnistInit {
  const model = mnistCnn({ gen: new Generator(cfg.seed), hiddenSize: cfg.hidden, channels: cfg.channels, inputSize: cfg.size });
  const params = noGrad(() => model.namedParameters().map(([name, t]) => ({ name, shape: [...t.shape], values: Float32Array.from(t.dataSync()) })));
  model.dispose();
  const gen = new Generator(cfg.seed + 1);
  const x = Float32Array.from({ length: cfg.batch * cfg.size * cfg.size }, () => gen.normal());
  const labels = Int32Array.from({ length: cfg.batch }, () => gen.int(10));
  return { params, x, labels };
}
