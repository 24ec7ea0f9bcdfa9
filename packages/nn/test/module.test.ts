import { DTypeError, Generator, ShapeError, ValueError, memory, randn, tensor, tidy, zeros } from '@kwta/core';
import { describe, expect, it } from 'vitest';
import { BatchNorm1d, Dropout, KWTA, Linear, ReLU, Sequential, crossEntropy, mnistCnn, wideResNet, type Module } from '../src/index.js';

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

describe('forward hooks (PyTorch register_forward_hook)', () => {
  it('fire after forward with (module, input, output) when a container calls the layer, in registration order', () => {
    const model = mnistCnn({ gen: new Generator(0), channels: [1, 1, 1, 1], hiddenSize: 4, activation: () => new KWTA({ gamma: 0.5 }) });
    const act = model.cnn.at(3);
    const calls: string[] = [];
    let seen: { module: Module; input: number[]; output: number[] } | null = null;
    const first = act.registerForwardHook((m, input, output) => {
      calls.push('first');
      seen = { module: m, input: [...input.shape], output: Array.from(output.dataSync()) };
    });
    const second = act.registerForwardHook(() => void calls.push('second'));
    const x = randn([2, 1, 28, 28], new Generator(1));
    const expected = tidy(() => Array.from(act.forward(model.cnn.at(2).forward(model.cnn.at(1).forward(model.cnn.at(0).forward(x)))).dataSync()));
    tidy(() => void model.forward(x));
    expect(calls).toEqual(['first', 'second']);
    expect(seen!.module).toBe(act);
    expect(seen!.input).toEqual([2, 1, 14, 14]);
    expect(seen!.output).toEqual(expected);
    first.remove();
    first.remove(); // idempotent
    tidy(() => void model.forward(x));
    expect(calls).toEqual(['first', 'second', 'second']);
    second.remove();
    tidy(() => void model.call(x));
    expect(calls).toHaveLength(3);
    x.dispose();
    model.dispose();
  });

  it('a hook that returns a tensor replaces the output; calling forward directly skips the module\'s own hooks', () => {
    const relu = new ReLU();
    relu.registerForwardHook((_, __, y) => y.mul(2));
    tidy(() => {
      const x = tensor([[-1, 3]]);
      expect(Array.from(relu.call(x).dataSync())).toEqual([0, 6]);
      expect(Array.from(relu.forward(x).dataSync())).toEqual([0, 3]);
      expect(Array.from(new Sequential(relu).forward(x).dataSync())).toEqual([0, 6]);
    });
    expect(() => relu.registerForwardHook(null as never)).toThrow(/hook must be a function/);
  });
});

describe('registered generators are module state', () => {
  it('are listed by dotted path and their states round-trip, so resumed dropout draws the same masks', () => {
    const model = wideResNet({ gen: new Generator(0), depth: 10, widenFactor: 1, dropRate: 0.3 });
    expect(model.namedGenerators().map(([k]) => k)).toEqual(['block1.layer.0.dropout.gen', 'block2.layer.0.dropout.gen', 'block3.layer.0.dropout.gen']);
    const m = build();
    expect(m.namedGenerators().map(([k]) => k)).toEqual(['3.gen']);
    const saved = m.generatorStates();
    const draw = (mod: Module): number[] => tidy(() => Array.from(mod.forward(tensor([[1, 2], [3, 4], [5, 6]])).dataSync()));
    const first = draw(m);
    m.loadGeneratorStates(saved);
    expect(draw(m)).toEqual(first);
    const twin = build(0);
    draw(twin); // advances the twin's dropout generator
    twin.loadGeneratorStates(saved);
    expect(draw(twin)).toEqual(first);
  });

  it('refuses an unknown key before setting anything', () => {
    const m = build();
    const before = m.generatorStates();
    expect(() => m.loadGeneratorStates({ '3.gen': [1, 2, 3, 4, 5], '9.gen': [1, 2, 3, 4, 5] })).toThrow("loadGeneratorStates: Sequential has no generator '9.gen' (it has: 3.gen)");
    expect(m.generatorStates()).toEqual(before);
  });
});
