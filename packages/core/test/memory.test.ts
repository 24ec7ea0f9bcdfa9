import { describe, expect, it } from 'vitest';
import { memory, type Tensor } from '../src/index.js';
import { makeTrainer } from '../src/testing/index.js';

describe('leak test', () => {
  it('1000 forward+backward+update steps keep live tensors and buffers flat', () => {
    const trainer = makeTrainer();
    const [w1, w2] = trainer.params, [x] = trainer.inputs;
    const step = trainer.step;
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
