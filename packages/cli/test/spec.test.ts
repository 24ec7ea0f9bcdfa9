import { describe, expect, it } from 'vitest';
import { KWTA, KWTAChannel, LWTA, ReLU } from '@kwta/nn';
import { CliError, activationFactory, buildModel, loadDataset, parseActivation } from '../src/index.js';

describe('option parsing', () => {
  it('parses activation specs', () => {
    expect(parseActivation('relu')).toEqual({ kind: 'relu' });
    expect(parseActivation('kwta:0.1')).toEqual({ kind: 'kwta', gamma: 0.1 });
    expect(parseActivation('kwta-k:50')).toEqual({ kind: 'kwta-k', k: 50 });
    expect(activationFactory(parseActivation('kwta:0.2'))()).toBeInstanceOf(KWTA);
    expect(activationFactory(parseActivation('kwta-channel:0.2'))()).toBeInstanceOf(KWTAChannel);
    expect(activationFactory(parseActivation('lwta:4'))()).toBeInstanceOf(LWTA);
    expect(activationFactory(parseActivation('relu'))()).toBeInstanceOf(ReLU);
  });

  it('refuses bad specs with a message that says what is expected', () => {
    expect(() => parseActivation('kwta')).toThrow(/gamma must be in \(0, 1\]/);
    expect(() => parseActivation('kwta:1.5')).toThrow(CliError);
    expect(() => parseActivation('kwta-k:2.5')).toThrow(/positive integer/);
    expect(() => parseActivation('tanh')).toThrow(/unknown activation 'tanh'/);
    expect(() => loadDataset('imagenet', 'train')).toThrow(/unknown dataset 'imagenet'/);
    expect(() => loadDataset('cifar10', 'train')).toThrow(/needs a directory: cifar10:<dir>/);
    expect(() => buildModel({ name: 'alexnet' as never, activation: { kind: 'relu' }, seed: 1, inChannels: 1, inputSize: 28, numClasses: 10 })).toThrow(/unknown model 'alexnet'/);
  });

  it('loads the embedded MNIST digits with a limit', () => {
    const ds = loadDataset('mnist', 'train', 100);
    expect(ds.labels.length).toBe(100);
    expect(ds.shape).toEqual([100, 1, 28, 28]);
  });
});
