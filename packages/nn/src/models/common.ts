import { Generator, ValueError, didYouMean, noGrad, randn, zerosLike } from '@kwta/core';
import { reluFactory, type ActivationFactory } from '../activations/activation.js';
import { Conv2d } from '../layers/conv2d.js';
import { Linear } from '../layers/linear.js';
import { Module } from '../module.js';

/** Options every model builder takes. */
export interface ModelOptions {
  /** Called once per activation site (default ReLU); e.g. `() => new KWTA({ gamma: 0.1 })`. */
  activation?: ActivationFactory;
  /** Seeded random source for the initial weights (required). */
  gen: Generator;
  numClasses?: number;
  dtype?: 'float32' | 'float64';
}

/**
 * Every option name a builder takes, as a table typed by its options: a name missing here (or
 * one too many) fails the build, so the runtime check below cannot drift from the type.
 */
export type OptionNames<O> = { readonly [K in keyof O]-?: true };

export const MODEL_OPTION_NAMES: OptionNames<ModelOptions> = { activation: true, gen: true, numClasses: true, dtype: true };

/** Refuse option names the builder does not take (a typo would otherwise fall back to a default silently). */
export function checkOptionNames(model: string, opts: object, names: Record<string, true>): void {
  const known = Object.keys(names);
  for (const key of Object.keys(opts)) {
    if (!(key in names)) throw new ValueError(`${model}: unknown option '${key}'${didYouMean(key, known)}; it takes ${known.join(', ')}`);
  }
}

/** A factory is called once per site; a layer instance given instead gets a typed error saying so. */
export function checkFactory(model: string, name: string, f: unknown): void {
  if (f === undefined || (typeof f === 'function' && !(f.prototype instanceof Module))) return;
  const got = f instanceof Module ? `a ${f.constructor.name} instance (one layer cannot sit at several places)` : typeof f === 'function' ? `the class ${f.name}` : `${typeof f} ${String(f)}`;
  throw new ValueError(`${model}: ${name} must be a factory that makes one layer per site, e.g. () => new KWTA({ gamma: 0.1 }); got ${got}`);
}

export function resolve(model: string, opts: ModelOptions, names: Record<string, true>) {
  if (!opts || !(opts.gen instanceof Generator)) throw new ValueError(`${model}: pass { gen: new Generator(seed) } so the initial weights are reproducible`);
  checkOptionNames(model, opts, names);
  checkFactory(model, 'activation', opts.activation);
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
