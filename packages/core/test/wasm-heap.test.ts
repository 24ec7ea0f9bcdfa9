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

  it('merges freed neighbours, splits a larger free block, gives a free run at the top back, and refuses a double free', () => {
    const base = 1 << 20;
    const heap = new Heap(fakeRuntime(), base);
    const a = heap.alloc(1000)!, b = heap.alloc(1000)!, c = heap.alloc(4096)!, d = heap.alloc(64)!;
    expect([a, b, c, d]).toEqual([base, base + 1024, base + 2048, base + 6144]);
    heap.release(b);
    heap.release(a); // a and b merge into one free run of 2048 bytes
    expect(heap.stats().freeBytes).toBe(2048);
    expect(heap.alloc(1900)).toBe(a); // the merged run serves a size no freed block had
    heap.release(a);
    heap.release(c); // a..c now one free run of 6144
    expect(heap.alloc(64)).toBe(a); // best fit splits the run; the rest stays free
    expect(heap.stats().freeBytes).toBe(6144 - 64);
    heap.release(a);
    heap.release(d); // everything free: the top is back at the base, nothing is listed
    expect(heap.stats()).toMatchObject({ liveBlocks: 0, liveBytes: 0, freeBytes: 0, reservedBytes: 6208 });
    expect(heap.alloc(6000)).toBe(base);
    expect(heap.stats().reservedBytes).toBe(6208);
    expect(() => heap.release(a + 64)).toThrow(/double free/);
  });

  it('every byte below the top is live or free, and freeing everything gives it all back (fast-check)', () => {
    fc.assert(fc.property(
      fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 1, max: 300_000 }), fc.nat()), { maxLength: 200 }),
      (ops) => {
        const base = 1 << 20;
        const heap = new Heap(fakeRuntime(), base);
        const live: number[] = [];
        let highWater = 0;
        for (const [doFree, bytes, pick] of ops) {
          if (doFree && live.length) heap.release(live.splice(pick % live.length, 1)[0]);
          else live.push(heap.alloc(bytes)!);
          const s = heap.stats();
          expect(s.reservedBytes).toBeGreaterThanOrEqual(highWater);
          highWater = s.reservedBytes;
          expect(s.liveBytes + s.freeBytes).toBeLessThanOrEqual(s.reservedBytes);
        }
        for (const addr of live) heap.release(addr);
        expect(heap.stats()).toMatchObject({ liveBlocks: 0, liveBytes: 0, freeBytes: 0 });
        expect(heap.alloc(64)).toBe(base);
      },
    ), { seed: 11, numRuns: 100 });
  });

  it('a workload whose sizes shrink step by step (an attack\'s active rows) reuses memory instead of reserving per size', () => {
    const heap = new Heap(fakeRuntime(), 1 << 20);
    const row = 40_000; // bytes per row of each of three tensors
    let peakLive = 0;
    for (let rows = 100; rows >= 1; rows--) {
      const blocks = [heap.alloc(rows * row)!, heap.alloc(rows * row * 2)!, heap.alloc(rows * 4)!];
      peakLive = Math.max(peakLive, heap.stats().liveBytes);
      for (const b of blocks) heap.release(b);
    }
    // A class-per-size heap reserved over 20x the peak here; merging keeps it at the peak.
    expect(heap.stats().reservedBytes).toBeLessThanOrEqual(1.25 * peakLive);
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
      // A short warm-up: splitting and merging settle the blocks' layout in a few steps (measured: 10).
      for (let i = 1; i < 20; i++) step();
      const flat = ({ liveBlocks, liveBytes, reservedBytes, scratchBytes }: ReturnType<typeof backend.heapStats>) => ({ liveBlocks, liveBytes, reservedBytes, scratchBytes });
      const start = { mem: memory(), heap: flat(backend.heapStats()) };
      let last = first;
      for (let i = 20; i < 1000; i++) last = step();
      expect(memory()).toEqual(start.mem);
      expect(flat(backend.heapStats())).toEqual(start.heap);
      expect(last).toBeLessThan(first);
      for (const t of [w1, w2, b2, x, labels]) t.dispose();
    });
  });
});
