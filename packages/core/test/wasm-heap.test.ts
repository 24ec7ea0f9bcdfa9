import fc from 'fast-check';
import { afterAll, describe, expect, it, vi } from 'vitest';
import {
  CpuBackend, DisposedError, tensor, Generator, conv2d, flatten, kWinners, logSoftmax, matmul, memory, mean, neg, randint, randn, relu, sum, takeAlong, tidy,
} from '../src/index.js';
import { wasmContext } from '../src/internal.js';
import { WasmBackend } from '../src/backends/wasm/index.js';
import { Heap, TAIL_GUARD, sizeClass } from '../src/backends/wasm/heap.js';
import type { WasmRuntime } from '../src/backends/wasm/runtime.js';
import type { WasmData } from '../src/backends/wasm/storage.js';
import { withBackend } from '../src/testing/index.js';
import { WASM_CONFIGS } from './wasm-configs.js';

/** A runtime stand-in that only records how far memory was reserved. */
function fakeRuntime(): WasmRuntime & { reserved: number } {
  const rt = { reserved: 0, reserve: (end: number) => { rt.reserved = Math.max(rt.reserved, end); } };
  return rt as unknown as WasmRuntime & { reserved: number };
}

describe('wasm heap allocator', () => {
  it('size classes: aligned, at most 25 % slack (6.25 % from 16 MiB), monotone', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 2 ** 31 }), (bytes) => {
      const c = sizeClass(bytes);
      expect(c % 64).toBe(0);
      expect(c).toBeGreaterThanOrEqual(bytes);
      expect(c).toBeLessThanOrEqual(Math.max(64, bytes * 1.25 + 64));
      // Huge blocks (parameters, gradients, optimizer state) waste at most 6.25 %.
      if (bytes >= 2 ** 24) expect(c).toBeLessThanOrEqual(bytes * 1.0625);
      expect(sizeClass(bytes + 1)).toBeGreaterThanOrEqual(c);
    }));
  });

  it('live blocks never overlap, freed blocks are reused, and a full heap says null', () => {
    fc.assert(fc.property(
      fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 1, max: 70_000 }), fc.nat()), { maxLength: 120 }),
      (ops) => {
        const rt = fakeRuntime();
        const base = 1 << 20, limit = base + (4 << 20);
        const heap = new Heap(rt, base, limit);
        const live = new Map<number, number>();
        for (const [doFree, bytes, pick] of ops) {
          if (doFree && live.size > 0) {
            const addr = [...live.keys()][pick % live.size];
            heap.release(addr);
            live.delete(addr);
            // The same class is served from the free list: the block just freed comes back.
            const again = heap.alloc(heap.blockSize(addr) || bytes);
            if (again !== null) live.set(again, heap.blockSize(again));
            continue;
          }
          const addr = heap.alloc(bytes);
          if (addr === null) {
            expect(heap.stats().reservedBytes + sizeClass(bytes) + TAIL_GUARD).toBeGreaterThan(limit - base);
            continue;
          }
          expect(addr % 64).toBe(0);
          expect(addr).toBeGreaterThanOrEqual(base);
          expect(addr + sizeClass(bytes) + TAIL_GUARD).toBeLessThanOrEqual(limit);
          expect(rt.reserved).toBeGreaterThanOrEqual(addr + sizeClass(bytes) + TAIL_GUARD);
          for (const [other, size] of live) expect(addr + sizeClass(bytes) <= other || other + size <= addr).toBe(true);
          live.set(addr, sizeClass(bytes));
        }
        expect(heap.stats().liveBlocks).toBe(live.size);
        expect(heap.stats().liveBytes).toBe([...live.values()].reduce((a, b) => a + b, 0));
      },
    ), { seed: 7, numRuns: 80 });
  });

  it('reuses the most recently freed block of a class and refuses a double free', () => {
    const heap = new Heap(fakeRuntime(), 1 << 20);
    const a = heap.alloc(1000)!, b = heap.alloc(1000)!;
    heap.release(a);
    heap.release(b);
    expect(heap.alloc(990)).toBe(b);
    expect(heap.alloc(1000)).toBe(a);
    heap.release(a);
    expect(() => heap.release(a)).toThrow(/double free/);
  });
});

describe.each(WASM_CONFIGS)('wasm backend, %s', (_label, opts) => {
  it('has the storage this configuration promises', () => {
    const backend = new WasmBackend(opts);
    expect(backend.tensorsInWasm).toBe(opts.sharedMemory !== false);
    backend.dispose();
  });
});

describe('wasm backend storage', () => {
  const backend = new WasmBackend({ threads: 2, minParallelFlops: 0 });
  afterAll(() => backend.dispose());
  const addr = (t: { storage: { dataId: object } }) => (t.storage.dataId as WasmData).addr;

  it('keeps the Backend contract: zero-filled alloc (also on reuse), read copies, freed storage throws', () => {
    expect(backend.tensorsInWasm).toBe(true);
    const a = backend.alloc('float32', 1000);
    backend.write(a, new Float32Array(1000).fill(7));
    const copy = backend.read(a);
    copy[0] = 1;
    expect(backend.read(a)[0]).toBe(7);
    expect(copy.buffer).not.toBeInstanceOf(SharedArrayBuffer);
    const before = backend.memory();
    backend.free(a);
    expect(backend.memory().numBuffers).toBe(before.numBuffers - 1);
    expect(backend.memory().numBytes).toBe(before.numBytes - 4000);
    expect(() => backend.read(a)).toThrow(DisposedError);
    const b = backend.alloc('float32', 1000); // the same block, zeroed again
    expect((b as WasmData).addr).toBe((a as WasmData).addr);
    expect(backend.read(b).every((v) => v === 0)).toBe(true);
    backend.free(b);
  });

  it('falls back to host arrays when the heap cannot grow, and kernels mix both storages', () => {
    const limit = (1 << 20) + (9 << 20);
    const small = new WasmBackend({ threads: 2, minParallelFlops: 0, heapLimitBytes: limit });
    try {
      withBackend(small, () => {
        const g = new Generator(1);
        // A first, larger kernel sizes the scratch; then tensors fill the rest of the heap.
        tidy(() => matmul(randn([512, 512], g), randn([512, 512], g)).dispose());
        const xs = Array.from({ length: 24 }, () => randn([256, 256], g));
        const kinds = xs.map((t) => addr(t));
        expect(kinds.some((a) => a >= 0)).toBe(true);
        expect(kinds.some((a) => a < 0)).toBe(true);
        const heapX = xs[kinds.findIndex((a) => a >= 0)], hostX = xs[kinds.findIndex((a) => a < 0)];
        const spy = vi.spyOn(wasmContext(small).rt, 'run');
        const got = tidy(() => sum(relu(matmul(heapX, hostX).add(hostX)), [0]).dataSync());
        expect(spy).toHaveBeenCalled();
        spy.mockRestore();
        const [hv, ov] = [heapX.dataSync() as Float32Array, hostX.dataSync() as Float32Array];
        const want = withBackend(new CpuBackend(), () => tidy(() => {
          const [a, b] = [tensor(hv, [256, 256], 'float32'), tensor(ov, [256, 256], 'float32')];
          return sum(relu(matmul(a, b).add(b)), [0]).dataSync();
        }));
        for (let i = 0; i < want.length; i++) expect(Math.abs(got[i] - want[i])).toBeLessThan(1e-4 * (1 + Math.abs(want[i])));
        for (const t of xs) t.dispose();
      });
    } finally {
      small.dispose();
    }
  });

  it('a heap too full for scratch runs the TypeScript kernel and leaks nothing', () => {
    const full = new WasmBackend({ threads: 2, minParallelFlops: 0, heapLimitBytes: (1 << 20) + (2 << 20) });
    try {
      withBackend(full, () => {
        const g = new Generator(2);
        const a = randn([300, 300], g), b = randn([300, 300], g);
        expect(addr(a)).toBeGreaterThanOrEqual(0);
        const before = memory();
        const got = tidy(() => matmul(a, b).dataSync());
        expect(memory()).toEqual(before);
        const [av, bv] = [a.dataSync() as Float32Array, b.dataSync() as Float32Array];
        const want = withBackend(new CpuBackend(), () => tidy(() => matmul(tensor(av, [300, 300], 'float32'), tensor(bv, [300, 300], 'float32')).dataSync()));
        for (let i = 0; i < want.length; i++) expect(Math.abs(got[i] - want[i])).toBeLessThan(1e-3);
        a.dispose();
        b.dispose();
      });
    } finally {
      full.dispose();
    }
  });

  it('1000 training steps: live buffers, heap blocks and heap size stay flat', () => {
    withBackend(backend, () => {
      const g = new Generator(5);
      const w1 = randn([4, 1, 3, 3], g, { std: 0.3 }).requireGrad();
      const w2 = randn([100, 16], g, { std: 0.3 }).requireGrad();
      const b2 = randn([16], g, { std: 0.1 }).requireGrad();
      const x = randn([8, 1, 5, 5], g);
      const labels = randint([8, 1], 0, 16, g);
      const step = () => tidy(() => {
        const h = kWinners(relu(conv2d(x, w1, { padding: 1 })), 30);
        const logits = matmul(flatten(h), w2).add(b2);
        const loss = neg(mean(takeAlong(logSoftmax(logits), labels)));
        loss.backward();
        for (const p of [w1, w2, b2]) {
          p.assign(p.sub(p.grad!.mul(0.05)));
          p.zeroGrad();
        }
        return loss.item();
      });
      const first = step();
      step();
      const start = { mem: memory(), heap: backend.heapStats() };
      let last = first;
      for (let i = 2; i < 1000; i++) last = step();
      expect(memory()).toEqual(start.mem);
      expect(backend.heapStats()).toEqual(start.heap);
      expect(last).toBeLessThan(first);
      for (const t of [w1, w2, b2, x, labels]) t.dispose();
    });
  });
});
