import { Generator, ValueError } from '@kwta/core';
import { describe, expect, it } from 'vitest';
import {
  KWTA, ReLU, Sequential, densenet121, mlp, mnistCnn, replaceActivations, resnet18, sparseDenseNet121, sparseMnistCnn,
  sparseResNet18, sparseResNet34, sparseWideResNet, vgg19, wideResNet,
} from '../src/index.js';

const gen = new Generator(1);

// Every exported model builder, with one misspelt option: refused before any weight is made,
// naming the builder, the option and the closest real one.
const MISSPELT: [string, () => unknown, string, string][] = [
  ['mnistCnn', () => mnistCnn({ gen, hidden: 64 } as never), 'hidden', 'hiddenSize'],
  ['resnet18', () => resnet18({ gen, widht: 8 } as never), 'widht', 'width'],
  ['densenet121', () => densenet121({ gen, growth: 12 } as never), 'growth', 'growthRate'],
  ['wideResNet', () => wideResNet({ gen, widenfactor: 2 } as never), 'widenfactor', 'widenFactor'],
  ['vgg19', () => vgg19({ gen, dropOut: 0.1 } as never), 'dropOut', 'dropout'],
  ['mlp', () => mlp({ gen, inFeatures: 4, hiden: 8 } as never), 'hiden', 'hidden'],
  ['sparseResNet18', () => sparseResNet18({ gen, sparsty: 0.1 } as never), 'sparsty', 'sparsity'],
  ['sparseResNet34', () => sparseResNet34({ gen, sparseFunction: 'vol' } as never), 'sparseFunction', 'sparseFunc'],
  ['sparseDenseNet121', () => sparseDenseNet121({ gen, numclasses: 10 } as never), 'numclasses', 'numClasses'],
  ['sparseWideResNet', () => sparseWideResNet({ gen, depht: 10 } as never), 'depht', 'depth'],
  ['sparseMnistCnn', () => sparseMnistCnn({ gen, sp1: 0.1, sp2: 0.1, hidenSize: 8 } as never), 'hidenSize', 'hiddenSize'],
];

describe('model builders refuse unknown option names', () => {
  it.each(MISSPELT)('%s', (builder, build, bad, good) => {
    expect(build).toThrow(ValueError);
    expect(build).toThrow(new RegExp(`: unknown option '${bad}' \\(did you mean '${good}'\\?\\); it takes `));
    expect(() => build()).toThrow(new RegExp(builder === 'mlp' || builder.startsWith('sparse') ? `^${builder}` : `^${builder[0].toUpperCase()}`, 'i'));
  });
});

describe('a factory where one is expected, a module where one is expected', () => {
  it('an activation instance where a factory goes', () => {
    const build = () => mnistCnn({ gen, activation: new KWTA({ gamma: 0.1 }) as never, hiddenSize: 8 });
    expect(build).toThrow(ValueError);
    expect(build).toThrow(/MnistCnn: activation must be a factory that makes one layer per site, e\.g\. \(\) => new KWTA\(\{ gamma: 0\.1 \}\); got a KWTA instance/);
    expect(() => mnistCnn({ gen, hiddenActivation: new ReLU() as never, hiddenSize: 8 })).toThrow(/MnistCnn: hiddenActivation must be a factory .* got a ReLU instance/);
    expect(() => replaceActivations(new Sequential(new ReLU()), new ReLU() as never)).toThrow(/replaceActivations: factory must be a function \(path, old\) => new layer, e\.g\. \(\) => new KWTA\(\{ gamma: 0\.1 \}\); got a ReLU instance/);
  });

  it('a factory where a module goes', () => {
    expect(() => new Sequential((() => new ReLU()) as never)).toThrow(/Sequential: item 0 is a function \(a factory\?\); pass the module itself, e\.g\. new ReLU\(\)/);
  });
});
