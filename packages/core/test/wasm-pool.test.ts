import { describe, expect, it } from 'vitest';
import { CpuBackend, Generator, matmul, randn, tidy } from '../src/index.js';
import { WasmBackend } from '../src/backends/wasm/index.js';
import { withBackend } from '../src/testing/index.js';

// The worker pool's life cycle in Node (the browser side is test/wasm-browser.test.ts).
function product(b: WasmBackend | CpuBackend, n: number): Float32Array {
  return withBackend(b, () => tidy(() => matmul(randn([n, n], new Generator(11)), randn([n, n], new Generator(12))).dataSync() as Float32Array));
}

describe('wasm worker pool (Node)', () => {
  const reference = product(new CpuBackend(), 160);

  it('workers join before the first parallel kernel and take tasks', async () => {
    const backend = new WasmBackend({ threads: 3, minParallelFlops: 0 });
    try {
      const got = product(backend, 160);
      // Node workers start on their own: the first dispatch waited for them to join.
      expect(backend.context.rt.joinedThreads).toBe(3);
      // The caller never waits for a sleeping worker, so on a busy machine it may do a whole
      // kernel alone; over repeated kernels the workers take their share.
      for (let i = 0; i < 200 && backend.context.rt.workerTasks === 0; i++) product(backend, 160);
      expect(backend.context.rt.workerTasks).toBeGreaterThan(0);
      expect(await backend.ready).toBe(3);
      for (let i = 0; i < got.length; i++) expect(Math.abs(got[i] - reference[i])).toBeLessThan(1e-3);
    } finally {
      backend.dispose();
    }
  });

  it('keeps working on the calling thread after dispose', () => {
    const backend = new WasmBackend({ threads: 2, minParallelFlops: 0 });
    product(backend, 64);
    backend.dispose();
    const before = backend.context.rt.workerTasks;
    const got = product(backend, 160);
    expect(backend.context.rt.workerTasks).toBe(before);
    for (let i = 0; i < got.length; i++) expect(Math.abs(got[i] - reference[i])).toBeLessThan(1e-3);
  });

  it('one thread: no workers, ready at once', async () => {
    const backend = new WasmBackend({ threads: 1 });
    expect(await backend.ready).toBe(1);
    expect(backend.threads).toBe(1);
    product(backend, 64);
    expect(backend.context.rt.workerTasks).toBe(0);
  });
});
