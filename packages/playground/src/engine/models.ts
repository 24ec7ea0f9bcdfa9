import { Generator } from '@kwta/core';
import { activationFactory, mlp, mnistCnn, type Module } from '@kwta/nn';
import type { ModelSpec, Net } from '../protocol.js';
import { activationLayers } from './activation-tap.js';

/** The small CNN's four convolutions (the kWTA repository's MNIST CNN, narrower to train in a page). */
export const CNN_CHANNELS = [8, 8, 16, 16] as const;

/**
 * One of the two networks, from @kwta/nn's builders and activation registry. Both are built
 * from the same seed, so they start from the same weights (k-WTA has no parameters): any
 * difference between them comes from the activation.
 */
export function buildModel(spec: ModelSpec, net: Net): Module {
  const gen = new Generator(spec.seed);
  const activation = activationFactory(net === 'relu' ? { kind: 'relu' } : { kind: 'kwta', gamma: spec.gamma });
  return spec.arch === 'cnn'
    ? mnistCnn({ gen, activation, channels: CNN_CHANNELS, hiddenSize: spec.hidden })
    : mlp({ gen, activation, inFeatures: 784, hidden: spec.hidden });
}

export function describeModel(spec: ModelSpec, model: Module): { spec: ModelSpec; layers: string[]; parameters: number } {
  return { spec: { ...spec }, layers: activationLayers(model).map(([name]) => name), parameters: model.numParameters() };
}
