import { Generator, ValueError } from '@kwta/core';
import type { ActivationFactory } from '../activations/activation.js';
import { activationFactory, type ActivationSpec } from '../activations/registry.js';
import type { Module } from '../module.js';
import { densenet121 } from './densenet.js';
import { sparseDenseNet121, sparseResNet18, sparseResNet34, sparseWideResNet, type KwtaRepoOptions } from './kwta-repo.js';
import { mlp } from './mlp.js';
import { mnistCnn } from './mnist-cnn.js';
import { resnet18 } from './resnet.js';
import { vgg19 } from './vgg.js';
import { wideResNet } from './wideresnet.js';

/** What a registered model is built from: the data's shape, the activation and a seeded source. */
export interface ModelBuildOptions {
  gen: Generator;
  activation: ActivationFactory;
  /** The activation as parsed, for models that place their own k-WTA layers (sp-*). */
  activationSpec: ActivationSpec;
  numClasses: number;
  inChannels: number;
  inputSize: number;
  /** The hidden width, for the models that have one (mnist-cnn, mlp). */
  hidden?: number;
}

/**
 * One model known by name (the CLI's `--model`, run configs). Adding a model is one entry here
 * (and its row in the README's model table, which test/registry.test.ts checks together with a
 * build and a safetensors round trip of every entry).
 */
export interface ModelEntry {
  description: string;
  /** Build the model from its options. */
  build(o: ModelBuildOptions): Module;
}

/** Types an entry as ModelEntry: `o` is typed, and each value's type is the documented interface, not an inferred literal. */
const model = (e: ModelEntry): ModelEntry => e;

/** Every model, by name: how to build it. */
export const MODEL_REGISTRY = {
  'mnist-cnn': model({
    description: "the kWTA repository's MNIST CNN: 4 conv layers, a hidden linear layer (--hidden, paper code 20000)",
    build: (o) => mnistCnn({ gen: o.gen, activation: o.activation, numClasses: o.numClasses, hiddenSize: o.hidden ?? 20000, inChannels: o.inChannels, inputSize: o.inputSize }),
  }),
  mlp: model({
    description: 'flatten and two hidden linear layers (--hidden, default 256)',
    build: (o) => mlp({ gen: o.gen, activation: o.activation, numClasses: o.numClasses, inFeatures: o.inChannels * o.inputSize * o.inputSize, hidden: o.hidden }),
  }),
  resnet18: model({ description: 'ResNet-18 for 32x32 RGB inputs (CIFAR stem)', build: (o) => resnet18(common(o)) }),
  densenet121: model({ description: 'DenseNet-121, growth rate 32, for 32x32 RGB inputs', build: (o) => densenet121(common(o)) }),
  wrn: model({ description: 'Wide ResNet 22-10 for 32x32 RGB inputs', build: (o) => wideResNet(common(o)) }),
  vgg19: model({ description: 'VGG-19 with BatchNorm for 32x32 RGB inputs', build: (o) => vgg19(common(o)) }),
  'sp-resnet18': model({ description: "the kWTA repository's SparseResNet18 (ReLU stem, k-WTA blocks)", build: (o) => sparseResNet18(repo('sp-resnet18', o)) }),
  'sp-resnet34': model({ description: "the kWTA repository's SparseResNet34", build: (o) => sparseResNet34(repo('sp-resnet34', o)) }),
  'sp-densenet121': model({ description: "the kWTA repository's SparseDenseNet121 (ReLU head)", build: (o) => sparseDenseNet121(repo('sp-densenet121', o)) }),
  'sp-wrn': model({ description: "the kWTA repository's SparseWideResNet 22-10 (conv biases)", build: (o) => sparseWideResNet(repo('sp-wrn', o)) }),
};

function common(o: ModelBuildOptions) {
  return { gen: o.gen, activation: o.activation, numClasses: o.numClasses };
}

/**
 * The kWTA repository's models put k-WTA where its code does; the activation spec gives the
 * sparsity and kind: kwta:<gamma> is its 'vol' (cross-channel), kwta-channel:<gamma> its 'reg'.
 */
function repo(name: string, o: ModelBuildOptions): KwtaRepoOptions & { sparsity: number } {
  const a = o.activationSpec;
  const base = { gen: o.gen, numClasses: o.numClasses };
  if (a.kind === 'kwta') return { ...base, sparseFunc: 'vol', sparsity: a.gamma };
  if (a.kind === 'kwta-channel') return { ...base, sparseFunc: 'reg', sparsity: a.gamma };
  throw new ValueError(`--model ${name} is a k-WTA model of the kWTA repository: give --activation kwta:<gamma> (its 'vol') or kwta-channel:<gamma> (its 'reg')`);
}

/** A model name of the registry. */
export type ModelName = keyof typeof MODEL_REGISTRY;
/** Every model name the registry knows. */
export const MODEL_NAMES = Object.keys(MODEL_REGISTRY) as ModelName[];

/** Everything that decides a registered model's architecture and initial weights. */
export interface ModelSpec {
  name: ModelName;
  activation: ActivationSpec;
  /** mnist-cnn's hidden linear width (paper code: 20000) or the MLP's hidden width. */
  hidden?: number;
  seed: number;
  inChannels: number;
  inputSize: number;
  numClasses: number;
}

/** Build a registered model from its spec (same spec, same initial weights). */
export function buildModel(s: ModelSpec): Module {
  if (!Object.hasOwn(MODEL_REGISTRY, s.name)) throw new ValueError(`unknown model '${s.name}' (expected ${MODEL_NAMES.join(', ')})`);
  const entry: ModelEntry = MODEL_REGISTRY[s.name];
  return entry.build({
    gen: new Generator(s.seed), activation: activationFactory(s.activation), activationSpec: s.activation,
    numClasses: s.numClasses, inChannels: s.inChannels, inputSize: s.inputSize, hidden: s.hidden,
  });
}
