import { Generator, tensor, type Tensor } from '@kwta/core';
import { Flatten, KWTA, Linear, ReLU, Sequential, type Module } from '@kwta/nn';

/** A tiny image classifier on 1x6x6 inputs: flatten, hidden layer of `hidden`, 10 logits. */
export function tinyNet(kind: 'relu' | 'kwta', seed = 1, hidden = 64, gamma = 0.1): Module {
  const gen = new Generator(seed);
  const act = kind === 'relu' ? new ReLU() : new KWTA({ gamma });
  const net = new Sequential(new Flatten(), new Linear(36, hidden, { gen }), act, new Linear(hidden, 10, { gen }));
  net.eval();
  return net;
}

/** `n` random images in [0, 1] and random labels. */
export function tinyData(n: number, seed = 7): { images: Tensor; labels: Tensor; data: Float32Array; labelArray: Int32Array } {
  const gen = new Generator(seed);
  const data = Float32Array.from({ length: n * 36 }, () => gen.uniform());
  const labelArray = Int32Array.from({ length: n }, () => gen.int(10));
  return { images: tensor(data, [n, 1, 6, 6], 'float32'), labels: tensor(labelArray, [n], 'int32'), data, labelArray };
}
