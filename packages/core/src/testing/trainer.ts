import { tidy } from '../engine.js';
import { Generator } from '../random.js';
import * as ops from '../ops/index.js';
import type { Tensor } from '../tensor.js';

/** The small training workload {@link makeTrainer} returns. */
export interface Trainer {
  /** One SGD step inside `tidy`; returns the loss. */
  step(): number;
  /** Free the weights and the batch. */
  dispose(): void;
  /** The two weight tensors trained. */
  params: Tensor[];
  /** The fixed batch: images and labels. */
  inputs: Tensor[];
}

/**
 * A small k-WTA CNN (conv -> max-pool -> k-WTA -> linear -> cross-entropy) trained by plain SGD
 * on a fixed random batch: the workload of every backend's leak test (and of the gpu.js browser
 * test). Create it with the backend under test active; `step()` runs one step inside `tidy` and
 * returns the loss.
 */
export function makeTrainer(seed = 5): Trainer {
  const g = new Generator(seed);
  const w1 = ops.randn([4, 1, 3, 3], g, { std: 0.3 }).requireGrad().keep();
  const w2 = ops.randn([36, 3], g, { std: 0.3 }).requireGrad().keep();
  const x = ops.randn([8, 1, 6, 6], g).keep();
  const labels = ops.randint([8, 1], 0, 3, g).keep();
  const step = () => tidy(() => {
    const h = ops.kWinners(ops.maxPool2d(ops.conv2d(x, w1, { padding: 1 }), { kernelSize: 2 }), 10);
    const logits = ops.matmul(ops.flatten(h), w2);
    const loss = ops.neg(ops.mean(ops.takeAlong(ops.logSoftmax(logits), labels)));
    loss.backward();
    for (const p of [w1, w2]) {
      p.assign(p.sub(p.grad!.mul(0.05)));
      p.zeroGrad();
    }
    return loss.item();
  });
  const dispose = () => [w1, w2, x, labels].forEach((t) => t.dispose());
  return { step, dispose, params: [w1, w2], inputs: [x, labels] };
}
