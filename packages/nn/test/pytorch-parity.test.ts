import { fileURLToPath } from 'node:url';
import { Generator, noGrad, tensor, tidy } from '@kwta/core';
import { describe, expect, it } from 'vitest';
import { KWTA, crossEntropy, resnet18 } from '../src/index.js';
import { loadSafetensors, loadSafetensorsInto } from '../src/node.js';

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/**
 * PyTorch wrote the weights (I64 BatchNorm counters, its own tensor order) and computed the
 * outputs and gradients of the same width-4 k-WTA ResNet-18 (fixtures/make-resnet18-fixture.py).
 */
describe('parity with PyTorch on a k-WTA ResNet-18 (width 4)', () => {
  it('loads PyTorch weights and reproduces its eval and train outputs and gradients', () => {
    const model = resnet18({ gen: new Generator(123), width: 4, activation: () => new KWTA({ gamma: 0.1 }) });
    loadSafetensorsInto(model, fixture('resnet18-w4-kwta.pytorch.safetensors'));
    const { tensors: io } = loadSafetensors(fixture('resnet18-w4-kwta.io.safetensors'));
    const x = io.get('x')!;
    model.eval();
    const yEval = noGrad(() => tidy(() => Array.from(model.forward(x).dataSync())));
    expect(maxAbsDiff(yEval, io.get('y_eval')!.dataSync())).toBeLessThan(1e-5);
    model.train();
    const yTrain = tidy(() => {
      const y = model.forward(x);
      crossEntropy(y, tensor(Int32Array.from([3, 7]))).backward();
      return Array.from(y.dataSync());
    });
    expect(maxAbsDiff(yTrain, io.get('y_train')!.dataSync())).toBeLessThan(1e-5);
    expect(maxAbsDiff(model.conv1.weight.grad!.dataSync(), io.get('conv1_grad')!.dataSync())).toBeLessThan(1e-5);
    expect(maxAbsDiff(model.linear.weight.grad!.dataSync(), io.get('linear_grad')!.dataSync())).toBeLessThan(1e-5);
    for (const t of io.values()) t.dispose();
    model.dispose();
  });
});
