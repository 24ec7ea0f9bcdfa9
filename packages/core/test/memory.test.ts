import { afterAll, describe, expect, it } from 'vitest';
import { memory, withSparsePath, type Tensor } from '../src/index.js';
import { makeTrainer, withBackend } from '../src/testing/index.js';
import { BACKENDS } from './backends.js';

describe.each(BACKENDS)('leak test: %s', (_label, make) => {
  const backend = make();
  afterAll(() => backend.dispose?.());
  // 'always': the layer after the k-WTA reads its winners (docs/sparse.md), whose rows live with the k-WTA output's storage.
  it.each(['auto', 'always'] as const)('1000 forward+backward+update steps keep live tensors and buffers flat (sparse path %s)', (mode) => withSparsePath(mode, () => withBackend(backend, () => {
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
    trainer.dispose();
  })));
});
