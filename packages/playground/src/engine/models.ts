import { Generator } from '@kwta/core';
import { Flatten, Linear, Sequential, mnistCnn, type ActivationFactory, type Module } from '@kwta/nn';
import type { ModelSpec, Net } from '../protocol.js';
import { TappedKWTA, TappedReLU, activationLayers } from './activation-tap.js';

/** The small CNN's four convolutions (the kWTA repository's MNIST CNN, narrower to train in a page). */
export const CNN_CHANNELS = [8, 8, 16, 16] as const;

export const DEFAULT_SPEC: ModelSpec = { arch: 'cnn', hidden: 128, gamma: 0.1, seed: 1 };

function activation(net: Net, gamma: number): ActivationFactory {
  return net === 'relu' ? () => new TappedReLU() : () => new TappedKWTA({ gamma });
}

/**
 * One of the two networks. Both are built from the same seed, so they start from the same
 * weights (k-WTA has no parameters): any difference between them comes from the activation.
 */
export function buildModel(spec: ModelSpec, net: Net): Module {
  const gen = new Generator(spec.seed);
  const act = activation(net, spec.gamma);
  if (spec.arch === 'cnn') return mnistCnn({ gen, activation: act, channels: CNN_CHANNELS, hiddenSize: spec.hidden });
  const init = { gen };
  return new Sequential(new Flatten(), new Linear(784, spec.hidden, init), act(), new Linear(spec.hidden, spec.hidden, init), act(), new Linear(spec.hidden, 10, init));
}

export function describeModel(spec: ModelSpec, model: Module): { spec: ModelSpec; layers: string[]; parameters: number } {
  return { spec: { ...spec }, layers: activationLayers(model).map(([name]) => name), parameters: model.numParameters() };
}
