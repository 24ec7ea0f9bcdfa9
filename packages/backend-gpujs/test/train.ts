import {
  Generator, conv2d, flatten, kWinners, logSoftmax, matmul, maxPool2d, mean, neg, randint, randn, takeAlong, tidy,
} from '@kwta/core';

/**
 * A small k-WTA CNN (conv -> max-pool -> k-WTA -> linear -> cross-entropy) trained by plain SGD
 * on a fixed random batch: the workload of the leak test and the browser test. Create it with
 * the backend under test active; `step()` runs one step inside `tidy` and returns the loss.
 */
export function makeTrainer(seed = 5) {
  const g = new Generator(seed);
  const w1 = randn([4, 1, 3, 3], g, { std: 0.3 }).requireGrad().keep();
  const w2 = randn([36, 3], g, { std: 0.3 }).requireGrad().keep();
  const x = randn([8, 1, 6, 6], g).keep();
  const labels = randint([8, 1], 0, 3, g).keep();
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
  const dispose = () => [w1, w2, x, labels].forEach((t) => t.dispose());
  return { step, dispose, params: [w1, w2] };
}
