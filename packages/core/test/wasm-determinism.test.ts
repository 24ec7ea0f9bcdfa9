import { afterAll, describe, expect, it } from 'vitest';
import { Generator, conv2d, flatten, kWinners, logSoftmax, matmul, mean, neg, randint, randn, takeAlong, tidy } from '../src/index.js';
import { withBackend } from '../src/testing/index.js';
import { WasmBackend } from '../src/backends/wasm/index.js';

// Same seed, same numbers: with the pool forced on, every threaded kernel must give the same
// bits on every run, whichever thread happened to take which task.
const backend = new WasmBackend({ threads: 2, minParallelFlops: 0 });
afterAll(() => backend.dispose());

function trainFiveSteps(): Float32Array {
  return withBackend(backend, () => {
    const g = new Generator(3);
    const w1 = randn([8, 1, 3, 3], g, { std: 0.3 }).requireGrad();
    const w2 = randn([8 * 14 * 14, 10], g, { std: 0.05 }).requireGrad();
    const x = randn([16, 1, 28, 28], g);
    const y = randint([16, 1], 0, 10, g);
    for (let s = 0; s < 5; s++) {
      tidy(() => {
        const h = kWinners(conv2d(x, w1, { padding: 1, stride: 2 }), 150);
        const loss = neg(mean(takeAlong(logSoftmax(matmul(flatten(h), w2)), y)));
        loss.backward();
        for (const p of [w1, w2]) {
          p.assign(p.sub(p.grad!.mul(0.1)));
          p.zeroGrad();
        }
      });
    }
    return Float32Array.from([...w1.dataSync(), ...w2.dataSync()]);
  });
}

describe('wasm backend determinism (2 threads)', () => {
  it('training steps give bit-identical weights run after run', () => {
    const first = trainFiveSteps();
    for (let r = 0; r < 3; r++) {
      const again = trainFiveSteps();
      expect(Buffer.from(again.buffer).equals(Buffer.from(first.buffer))).toBe(true);
    }
  });
});
