import { Generator, ValueError, noGrad, randn, zerosLike } from '@kwta/core';
import { reluFactory, type ActivationFactory } from '../activations/activation.js';
import { Conv2d } from '../layers/conv2d.js';
import { Linear } from '../layers/linear.js';
import type { Module } from '../module.js';

/** Options every model builder takes. */
export interface ModelOptions {
  /** Called once per activation site (default ReLU); e.g. `() => new KWTA({ gamma: 0.1 })`. */
  activation?: ActivationFactory;
  /** Seeded random source for the initial weights (required). */
  gen: Generator;
  numClasses?: number;
  dtype?: 'float32' | 'float64';
}

export function resolve(model: string, opts: ModelOptions) {
  if (!opts || !(opts.gen instanceof Generator)) throw new ValueError(`${model}: pass { gen: new Generator(seed) } so the initial weights are reproducible`);
  const numClasses = opts.numClasses ?? 10;
  if (!Number.isInteger(numClasses) || numClasses < 1) throw new ValueError(`${model}: numClasses must be a positive integer, got ${numClasses}`);
  return { activation: opts.activation ?? reluFactory, gen: opts.gen, numClasses, dtype: opts.dtype ?? 'float32' } as const;
}

export function positiveInt(model: string, name: string, v: number): number {
  if (!Number.isInteger(v) || v < 1) throw new ValueError(`${model}: ${name} must be a positive integer, got ${v}`);
  return v;
}

/**
 * The re-initialization the WideResNet and VGG reference code applies after construction:
 * conv weights ~ N(0, 2 / (kh·kw·out)), conv biases zero, and (WideResNet only) linear biases zero.
 */
export function heNormalConvInit(model: Module, gen: Generator, opts: { zeroLinearBias: boolean }): void {
  noGrad(() => {
    for (const m of model.modules()) {
      if (m instanceof Conv2d) {
        const [out, , kh, kw] = m.weight.shape;
        const w = randn(m.weight.shape, gen, { std: Math.sqrt(2 / (kh * kw * out)), dtype: m.weight.dtype });
        m.weight.assign(w);
        w.dispose();
      }
      const bias = m instanceof Conv2d || (opts.zeroLinearBias && m instanceof Linear) ? m.bias : null;
      if (bias) {
        const z = zerosLike(bias);
        bias.assign(z);
        z.dispose();
      }
    }
  });
}
