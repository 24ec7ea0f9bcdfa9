import { ValueError, type Generator } from '@kwta/core';
import { Activation } from '../activations/activation.js';
import { KWTA, KWTAChannel } from '../activations/kwta.js';
import { replaceActivations } from '../activations/replace.js';
import type { Module } from '../module.js';
import { checkOptionNames, type OptionNames } from './common.js';
import { DenseNet } from './densenet.js';
import { MnistCnn } from './mnist-cnn.js';
import { ResNet } from './resnet.js';
import { WideResNet } from './wideresnet.js';

/**
 * The sparse models of the kWTA paper's code (kWTA-Activation: kWTA/resnet.py, densenet.py,
 * wideresnet.py, mnist_model.py), built from our models so that their `torch.save` state dicts
 * load by name. Parameter names already agree (k-WTA layers hold no parameters); what differs
 * from "our model with every activation replaced" is where the reference keeps a ReLU, its
 * per-stage sparsities and, for the wide ResNet, convolution biases:
 *
 * - SparseResNet18/34: the stem keeps ReLU (`self.relu(self.bn1(self.conv1(x)))`); both sites
 *   of every block are k-WTA (`sparse1`, `sparse2`; no ReLU with the default use_relu=False);
 *   stage i uses sparsities[i]; convolutions without bias (the builders' default bias=False).
 * - SparseDenseNet121: every bottleneck and transition site is k-WTA with its stage's sparsity
 *   (dense_i and trans_i share sparsities[i]); the head keeps `F.relu(self.bn(out))`.
 * - SparseWideResNet: every site is k-WTA with one sparsity, the head's `sparse` included;
 *   convolutions have biases unless built with bias=False.
 * - SparseMNIST_CNN: the four convolution sites use sp1, the hidden linear layer Sparsify1D(sp2).
 *
 * `sparse_func`: 'vol' (Sparsify2D_vol, cross-channel over C·H·W: our KWTA, the published
 * models) or 'reg' (Sparsify2D, per channel over H·W: our KWTAChannel). The reference keeps
 * every value >= the k-th largest, so ties at the threshold can keep more than k; ours keeps
 * exactly k (ties to the lower index). With continuous inputs ties have probability zero.
 */
export type SparseFunc = 'vol' | 'reg';

/**
 * Options of the k-WTA reference repository's models: generator, classes, dtype, sparse function and
 * sparsity.
 */
export interface KwtaRepoOptions {
  gen: Generator;
  numClasses?: number;
  dtype?: 'float32' | 'float64';
  /** Default 'vol', the notebooks' choice for the published ResNet-18s. */
  sparseFunc?: SparseFunc;
  /** One sparsity ratio, or one per stage (default 0.1, the published spResNet18_sp0.1 models). */
  sparsity?: number | readonly [number, number, number, number];
}

const OPTION_NAMES: OptionNames<KwtaRepoOptions> = { gen: true, numClasses: true, dtype: true, sparseFunc: true, sparsity: true };

function sparseLayer(func: SparseFunc, gamma: number): Module {
  if (func === 'vol') return new KWTA({ gamma });
  if (func === 'reg') return new KWTAChannel({ gamma });
  throw new ValueError(`kWTA models: sparse_func '${String(func)}' is not implemented (expected 'vol' or 'reg')`);
}

/**
 * Replace every activation of `model` whose path `stageOf` maps to a stage (0-3) with the
 * stage's k-WTA layer; paths it maps to null keep their ReLU.
 */
function sparsify(model: Module, opts: KwtaRepoOptions, stageOf: (path: string) => number | null): void {
  const s = opts.sparsity ?? 0.1;
  const gammas = typeof s === 'number' ? [s, s, s, s] : s;
  if (gammas.length !== 4) throw new ValueError(`kWTA models: sparsity must be one number or four (one per stage), got ${gammas.length}`);
  const func = opts.sparseFunc ?? 'vol';
  replaceActivations(model, (path) => sparseLayer(func, gammas[stageOf(path)!]), {
    match: (m, path) => m instanceof Activation && stageOf(path) !== null,
  });
}

/** Stage index from the first path component, e.g. 'layer3.1.act1' with prefix 'layer' → 2. */
const stageFrom = (prefixes: RegExp) => (path: string) => {
  const m = prefixes.exec(path);
  return m ? Number(m[1]) - 1 : null;
};

const sparseResNet = (name: string, numBlocks: [number, number, number, number]) => (opts: KwtaRepoOptions): ResNet => {
  checkOptionNames(name, opts, OPTION_NAMES);
  const model = new ResNet({ gen: opts.gen, numClasses: opts.numClasses, dtype: opts.dtype, numBlocks });
  sparsify(model, opts, stageFrom(/^layer([1-4])\./));
  return model;
};

/** The kWTA code's SparseResNet18 (CIFAR): ReLU stem, k-WTA blocks. */
export const sparseResNet18 = sparseResNet('sparseResNet18', [2, 2, 2, 2]);
/** The kWTA code's SparseResNet34. */
export const sparseResNet34 = sparseResNet('sparseResNet34', [3, 4, 6, 3]);

/** The kWTA code's SparseDenseNet121 (growth 32): k-WTA everywhere but the head's ReLU. */
export function sparseDenseNet121(opts: KwtaRepoOptions): DenseNet {
  checkOptionNames('sparseDenseNet121', opts, OPTION_NAMES);
  const model = new DenseNet({ gen: opts.gen, numClasses: opts.numClasses, dtype: opts.dtype, numBlocks: [6, 12, 24, 16], growthRate: 32 });
  sparsify(model, opts, stageFrom(/^(?:dense|trans)([1-4])\./));
  return model;
}

/** Options of the reference repository's sparse Wide ResNet. */
export interface SparseWideResNetOptions extends Omit<KwtaRepoOptions, 'sparsity'> {
  sparsity?: number;
  depth?: number;
  widenFactor?: number;
  /** Convolution biases (default true, as the reference's SparseWideResNet). */
  bias?: boolean;
}

const WIDE_OPTION_NAMES: OptionNames<SparseWideResNetOptions> = { gen: true, numClasses: true, dtype: true, sparseFunc: true, sparsity: true, depth: true, widenFactor: true, bias: true };

/** The kWTA code's SparseWideResNet (default depth 22, width 10): k-WTA at every site. */
export function sparseWideResNet(opts: SparseWideResNetOptions): WideResNet {
  checkOptionNames('sparseWideResNet', opts, WIDE_OPTION_NAMES);
  const model = new WideResNet({ gen: opts.gen, numClasses: opts.numClasses, dtype: opts.dtype, depth: opts.depth, widenFactor: opts.widenFactor, bias: opts.bias ?? true });
  sparsify(model, opts, () => 0);
  return model;
}

/** Options of the reference repository's sparse MNIST CNN. */
export interface SparseMnistCnnOptions extends Omit<KwtaRepoOptions, 'sparsity'> {
  /** Sparsity of the four convolution sites (the reference's sp1). */
  sp1: number;
  /** Sparsity of the hidden linear layer (sp2, Sparsify1D). */
  sp2: number;
  channels?: readonly [number, number, number, number];
  hiddenSize?: number;
}

const MNIST_OPTION_NAMES: OptionNames<SparseMnistCnnOptions> = { gen: true, numClasses: true, dtype: true, sparseFunc: true, sp1: true, sp2: true, channels: true, hiddenSize: true };

/** The kWTA code's SparseMNIST_CNN (with biases, its default). */
export function sparseMnistCnn(opts: SparseMnistCnnOptions): MnistCnn {
  checkOptionNames('sparseMnistCnn', opts, MNIST_OPTION_NAMES);
  const func = opts.sparseFunc ?? 'vol';
  return new MnistCnn({
    gen: opts.gen, numClasses: opts.numClasses, dtype: opts.dtype, channels: opts.channels, hiddenSize: opts.hiddenSize,
    activation: () => sparseLayer(func, opts.sp1),
    hiddenActivation: () => new KWTA({ gamma: opts.sp2 }),
  });
}
