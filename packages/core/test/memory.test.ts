import { describe, expect, it } from 'vitest';
import {
  Generator, conv2d, flatten, kWinners, logSoftmax, matmul, maxPool2d, memory, mean, neg, randint, randn, takeAlong,
  tidy, type Tensor,
} from '../src/index.js';

describe('leak test', () => {
  it('1000 forward+backward+update steps keep live tensors and buffers flat', () => {
    const g = new Generator(5);
    const w1 = randn([4, 1, 3, 3], g, { std: 0.3 }).requireGrad();
    const w2 = randn([36, 3], g, { std: 0.3 }).requireGrad();
    const x = randn([8, 1, 6, 6], g);
    const labels = randint([8, 1], 0, 3, g);
    const step = () => tidy(() => {
      const h = kWinners(maxPool2d(conv2d(x, w1, { padding: 1 }), { kernelSize: 2 }), 10);
      const logits = matmul(flatten(h), w2);
      const loss = neg(mean(takeAlong(logSoftmax(logits), labels)));
      loss.backward();
      for (const p of [w1, w2]) {
        p.assign(p.sub(p.grad!.mul(0.05)));
        p.zeroGrad();
      }
      return loss.item();
    });
    const losses: number[] = [];
    losses.push(step());
    const start = memory();
    for (let i = 1; i < 1000; i++) losses.push(step());
    expect(memory()).toEqual(start);
    expect(losses[999]).toBeLessThan(losses[0]);
    const sample = (ts: Tensor[]) => ts.map((t) => t.isDisposed);
    expect(sample([w1, w2, x])).toEqual([false, false, false]);
  });
});
