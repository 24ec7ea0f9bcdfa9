import { readFileSync } from 'node:fs';
import { Generator, memory, randint, randn, tensor, tidy, type Tensor } from '@kwta/core';
import { gradcheck } from '@kwta/core/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BasicBlock, DenseBottleneck, DenseTransition, KWTA, Tanh, WideBasicBlock, crossEntropy, densenet121, DenseNet, mnistCnn, resnet18, vgg19, wideResNet, type Module,
} from '../src/index.js';
import { uniformValues } from './values.js';

/** Key names and shapes of the same models built in PyTorch 1.13 (see fixtures/README.md). */
const pytorch = JSON.parse(readFileSync(new URL('./fixtures/pytorch-state-dicts.json', import.meta.url), 'utf8')) as Record<
  string,
  { numParameters: number; state: [string, number[]][] }
>;

function stateOf(m: Module): [string, number[]][] {
  return [...m.stateDict()].map(([k, t]) => [k, [...t.shape]]);
}

describe('the paper’s models match PyTorch’s parameter counts and state-dict names', () => {
  const cases: [string, () => Module, number][] = [
    ['resnet18', () => resnet18({ gen: new Generator(0) }), 11_173_962],
    ['densenet121', () => densenet121({ gen: new Generator(0) }), 6_956_298],
    ['wrn22_10', () => wideResNet({ gen: new Generator(0) }), 26_797_914],
    ['vgg19_bn', () => vgg19({ gen: new Generator(0) }), 20_565_834],
    ['mnist_cnn_h100', () => mnistCnn({ gen: new Generator(0), hiddenSize: 100 }), 379_702],
  ];
  for (const [name, build, count] of cases) {
    it(`${name}: ${count.toLocaleString('en')} parameters, same keys and shapes`, () => {
      const m = build();
      expect(m.numParameters()).toBe(count);
      expect(pytorch[name].numParameters).toBe(count);
      expect(stateOf(m)).toEqual(pytorch[name].state);
      m.dispose();
    });
  }

  it('the MNIST CNN at the paper code’s default width (hidden 20000) has 63,005,002 parameters', () => {
    const m = mnistCnn({ gen: new Generator(0) });
    expect(m.numParameters()).toBe(63_005_002);
    m.dispose();
  });

  it('builders validate their options', () => {
    expect(() => wideResNet({ gen: new Generator(0), depth: 21 })).toThrow(/6n \+ 4/);
    expect(() => resnet18({} as never)).toThrow(/Generator/);
    expect(() => mnistCnn({ gen: new Generator(0), hiddenSize: 0 })).toThrow(/hiddenSize/);
  });
});

/** One training-mode forward and backward; every parameter must get a finite gradient. */
function forwardBackward(m: Module, x: Tensor, classes = 10): number[] {
  return tidy(() => {
    const logits = m.forward(x);
    expect(logits.shape).toEqual([x.shape[0], classes]);
    const loss = crossEntropy(logits, randint([x.shape[0]], 0, classes, new Generator(1)));
    loss.backward();
    for (const [name, p] of m.namedParameters()) {
      expect(p.grad, name).not.toBeNull();
      expect(p.grad!.dataSync().every(Number.isFinite), name).toBe(true);
    }
    m.zeroGrad();
    return Array.from(logits.dataSync());
  });
}

describe('forward and backward on tiny inputs', () => {
  const gamma = () => new KWTA({ gamma: 0.2 });

  it('ResNet-18 (full width, k-WTA) at 32x32, batch 1', () => {
    const m = resnet18({ gen: new Generator(2), activation: gamma });
    forwardBackward(m, randn([1, 3, 32, 32], new Generator(3)));
    m.dispose();
  });

  it('DenseNet (growth 4, two bottlenecks per block) at 8x8', () => {
    const m = new DenseNet({ gen: new Generator(2), growthRate: 4, numBlocks: [2, 2, 2, 2], activation: gamma });
    forwardBackward(m, randn([2, 3, 8, 8], new Generator(3)));
    m.dispose();
  });

  it('WideResNet-10-1 with dropout at 8x8', () => {
    const m = wideResNet({ gen: new Generator(2), depth: 10, widenFactor: 1, dropRate: 0.3, activation: gamma });
    forwardBackward(m, randn([2, 3, 8, 8], new Generator(3)));
    m.dispose();
  });

  it('VGG-19 (width 4) at 32x32; dropout only in training', () => {
    const m = vgg19({ gen: new Generator(2), width: 4, activation: gamma });
    const x = randn([2, 3, 32, 32], new Generator(3));
    forwardBackward(m, x);
    m.eval();
    const a = tidy(() => Array.from(m.forward(x).dataSync()));
    expect(tidy(() => Array.from(m.forward(x).dataSync()))).toEqual(a);
    m.dispose();
    x.dispose();
  });

  it('MNIST CNN at 28x28, and the builder is deterministic per seed', () => {
    const build = () => mnistCnn({ gen: new Generator(9), channels: [4, 4, 8, 8], hiddenSize: 32, activation: gamma });
    const x = randn([2, 1, 28, 28], new Generator(3));
    const [a, b] = [build(), build()];
    expect(forwardBackward(a, x)).toEqual(forwardBackward(b, x));
    a.dispose();
    b.dispose();
    x.dispose();
  });

  it('leaves no tensors behind', () => {
    const before = memory().numTensors;
    const m = resnet18({ gen: new Generator(2), width: 2 });
    const x = randn([2, 3, 8, 8], new Generator(3));
    for (let i = 0; i < 3; i++) forwardBackward(m, x);
    m.dispose();
    x.dispose();
    expect(memory().numTensors).toBe(before);
  });
});

describe('model blocks have correct gradients (float64, smooth activation)', () => {
  const tanh = () => new Tanh();
  const blocks: [string, (g: Generator) => { block: Module; shape: number[] }][] = [
    ['ResNet BasicBlock (projection shortcut)', (g) => ({ block: new BasicBlock(2, 3, 2, tanh, { gen: g, dtype: 'float64' }), shape: [2, 2, 4, 4] })],
    ['ResNet BasicBlock (identity shortcut)', (g) => ({ block: new BasicBlock(2, 2, 1, tanh, { gen: g, dtype: 'float64' }), shape: [2, 2, 3, 3] })],
    ['WideResNet block', (g) => ({ block: new WideBasicBlock(2, 3, 2, 0, tanh, { gen: g, dtype: 'float64' }), shape: [2, 2, 4, 4] })],
    ['DenseNet bottleneck', (g) => ({ block: new DenseBottleneck(3, 2, tanh, { gen: g, dtype: 'float64' }), shape: [2, 3, 3, 3] })],
    ['DenseNet transition', (g) => ({ block: new DenseTransition(3, 2, tanh, { gen: g, dtype: 'float64' }), shape: [2, 3, 4, 4] })],
  ];
  for (const [name, make] of blocks) {
    it(name, () => {
      fc.assert(
        fc.property(fc.integer({ min: 0, max: 2 ** 30 }), (seed) => {
          const g = new Generator(seed);
          const { block, shape } = make(g);
          const n = shape.reduce((a, b) => a * b, 1);
          const r = tidy(() => gradcheck((x) => block.forward(x), [tensor(uniformValues(g, n, -2, 2), shape, 'float64')], { params: block.namedParameters(), seed }));
          block.dispose();
          expect(r.maxError, r.message).toBeLessThan(1e-5);
        }),
        { numRuns: 3 },
      );
    });
  }
});
