import { describe, expect, it } from 'vitest';
import { CpuBackend, Generator, conv2d, matmul, randn, tidy, valueAndGrad, type Tensor } from '../src/index.js';
import { wasmContext } from '../src/internal.js';
import { WasmBackend } from '../src/backends/wasm/index.js';
import { ARENA_BASE, WasmRuntime, type Call, type Task } from '../src/backends/wasm/runtime.js';
import { BackendError } from '../src/errors.js';
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
      expect(wasmContext(backend).rt.joinedThreads).toBe(3);
      // The caller never waits for a sleeping worker, so on a busy machine it may do a whole
      // kernel alone; over repeated kernels the workers take their share.
      for (let i = 0; i < 200 && wasmContext(backend).rt.workerTasks === 0; i++) product(backend, 160);
      expect(wasmContext(backend).rt.workerTasks).toBeGreaterThan(0);
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
    const before = wasmContext(backend).rt.workerTasks;
    const got = product(backend, 160);
    expect(wasmContext(backend).rt.workerTasks).toBe(before);
    for (let i = 0; i < got.length; i++) expect(Math.abs(got[i] - reference[i])).toBeLessThan(1e-3);
  });

  it('one thread: no workers, ready at once', async () => {
    const backend = new WasmBackend({ threads: 1 });
    expect(await backend.ready).toBe(1);
    expect(backend.threads).toBe(1);
    product(backend, 64);
    expect(wasmContext(backend).rt.workerTasks).toBe(0);
  });

  it('a kernel that traps fails the run with a BackendError, on a worker or the caller, and the pool recovers', () => {
    const rt = new WasmRuntime(2);
    try {
      rt.reserve(ARENA_BASE + (4 << 20));
      // packB_rows(src, rs, cs, K, N, Kp, dst, p0, p1): 256 x 256 packed from the arena into the arena.
      const pack = (src: number): Call => ({ fn: 'packB_rows', args: [src, 256, 1, 256, 256, 256, ARENA_BASE + (2 << 20), 0, 32] });
      const good = (): Task => Array.from({ length: 20 }, () => pack(ARENA_BASE));
      const bad = (): Task => [pack(2 ** 31 - 4096)]; // far past the memory: the wasm load traps
      rt.run([good(), good()]); // workers joined and warm
      // The caller claims task 0 first and stays busy with it, so a worker meets traps (every
      // task it can take is a bad one). On a loaded machine a sleeping worker may miss a run:
      // retry until one did take part.
      let workerTrapped = false;
      for (let attempt = 0; attempt < 50 && !workerTrapped; attempt++) {
        const before = rt.workerTasks;
        expect(() => rt.run([good(), ...Array.from({ length: 30 }, bad)])).toThrow(BackendError);
        workerTrapped = rt.workerTasks > before;
      }
      expect(workerTrapped).toBe(true);
      // Every task trapping: the caller's own failure, then it drains the queue instead of hanging.
      expect(() => rt.run(Array.from({ length: 30 }, bad))).toThrow(/wasm backend: a (kernel|worker) failed/);
      // Nothing is left half-done: the next run completes normally.
      expect(() => rt.run(Array.from({ length: 8 }, good))).not.toThrow();
    } finally {
      rt.dispose();
    }
  });
});

describe('wasm task queue back-pressure', () => {
  // A batch of many small images makes more tasks (forward: one per image) or longer tasks
  // (filter gradient: one per group of images) than the 1 MiB queue holds: they run in waves
  // that fit, and a single task longer than the queue runs on the calling thread.
  const conv = (b: WasmBackend | CpuBackend, N: number) => withBackend(b, () => tidy(() => {
    const x = randn([N, 1, 4, 4], new Generator(5)), w = randn([2, 1, 3, 3], new Generator(6));
    const y = conv2d(x, w, { padding: 1 });
    const [dx, dw] = valueAndGrad((xx: Tensor, ww: Tensor) => conv2d(xx, ww, { padding: 1 }).mul(y).sum(), [0, 1])(x, w).grads;
    return [y, dx, dw].map((t) => Array.from(t.dataSync()));
  }));

  it.each([12_000, 50_000])('conv2d and its gradients over a batch of %i on 2 threads equal the CPU backend', (N) => {
    const backend = new WasmBackend({ threads: 2, minParallelFlops: 0 });
    try {
      const got = conv(backend, N), want = conv(new CpuBackend(), N);
      for (let o = 0; o < want.length; o++) {
        let worst = 0;
        for (let i = 0; i < want[o].length; i++) worst = Math.max(worst, Math.abs(got[o][i] - want[o][i]) / (1 + Math.abs(want[o][i])));
        expect(worst, `output ${o}`).toBeLessThan(1e-4);
      }
    } finally {
      backend.dispose();
    }
  }, 60_000);
});
