import { DTypeError, Generator, ShapeError, ValueError, memory, tensor, tidy, zeros } from '@kwta/core';
import { describe, expect, it } from 'vitest';
import { BatchNorm1d, Dropout, Linear, ReLU, Sequential, crossEntropy } from '../src/index.js';

const build = (seed = 0) => new Sequential(new Linear(2, 4, { gen: new Generator(seed) }), new BatchNorm1d(4), new ReLU(), new Dropout({ p: 0.1, gen: new Generator(seed) }), new Linear(4, 3, { gen: new Generator(seed + 1) }));

describe('Module', () => {
  it('names parameters and buffers as PyTorch does and counts parameters', () => {
    const m = build();
    expect([...m.stateDict().keys()]).toEqual(['0.weight', '0.bias', '1.weight', '1.bias', '1.running_mean', '1.running_var', '1.num_batches_tracked', '4.weight', '4.bias']);
    expect(m.namedParameters().map(([n]) => n)).toEqual(['0.weight', '0.bias', '1.weight', '1.bias', '4.weight', '4.bias']);
    expect(m.namedBuffers().map(([n]) => n)).toEqual(['1.running_mean', '1.running_var', '1.num_batches_tracked']);
    expect(m.numParameters()).toBe(8 + 4 + 4 + 4 + 12 + 3);
    expect(m.parameters().every((p) => p.requiresGrad)).toBe(true);
  });

  it('train()/eval() reach every descendant', () => {
    const m = build().eval();
    expect(m.modules().every((x) => !x.training)).toBe(true);
    m.train();
    expect(m.modules().every((x) => x.training)).toBe(true);
  });

  it('loadStateDict copies in place (same tensor objects) and checks before writing', () => {
    const a = build(0), b = build(10);
    const weightBefore = b.parameters()[0];
    b.loadStateDict(a.stateDict());
    expect(b.parameters()[0]).toBe(weightBefore);
    expect([...b.stateDict()].map(([, t]) => Array.from(t.dataSync()))).toEqual([...a.stateDict()].map(([, t]) => Array.from(t.dataSync())));
    const c = build(20);
    const snapshot = [...c.stateDict()].map(([, t]) => Array.from(t.dataSync()));
    const bad = new Map(a.stateDict());
    bad.set('4.weight', zeros([4, 3]));
    expect(() => c.loadStateDict(bad)).toThrow(ShapeError);
    expect(() => c.loadStateDict(bad)).toThrow("size mismatch for '4.weight': checkpoint has [4, 3], model has [3, 4]");
    expect([...c.stateDict()].map(([, t]) => Array.from(t.dataSync()))).toEqual(snapshot);
    const missing = new Map(a.stateDict());
    missing.delete('1.running_var');
    missing.set('extra', zeros([1]));
    expect(() => c.loadStateDict(missing)).toThrow(/missing keys: 1.running_var; unexpected keys: extra/);
    expect(() => c.loadStateDict(missing, { strict: false })).not.toThrow();
    const wrongType = new Map([['1.num_batches_tracked', zeros([])]]);
    expect(() => c.loadStateDict(wrongType, { strict: false })).toThrow(DTypeError);
    bad.get('4.weight')!.dispose();
    missing.get('extra')!.dispose();
    wrongType.get('1.num_batches_tracked')!.dispose();
  });

  it('backward fills every parameter grad and zeroGrad clears them, with no leaks', () => {
    const m = build();
    const before = memory().numTensors;
    tidy(() => crossEntropy(m.forward(tensor([[1, 2], [3, -1], [0, 1]])), tensor(Int32Array.from([0, 1, 2]))).backward());
    expect(m.parameters().every((p) => p.grad !== null)).toBe(true);
    expect(memory().numTensors).toBe(before + m.parameters().length);
    m.zeroGrad();
    expect(m.parameters().every((p) => p.grad === null)).toBe(true);
    expect(memory().numTensors).toBe(before);
  });

  it('refuses bad registrations and replacements', () => {
    const m = build();
    expect(() => m.replaceChild('9', new ReLU())).toThrow(/no child named '9'/);
    expect(() => new Sequential({} as never)).toThrow(ValueError);
  });
});
