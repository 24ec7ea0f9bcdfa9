import { totalmem } from 'node:os';
import { afterAll, describe, expect, it } from 'vitest';
import {
  CpuBackend, OutOfMemoryError, WasmBackend, defaultMemoryLimit, matmul, memoryBudget, memoryLimit, peakMemory, resetPeakMemory, setMemoryLimit, tensor, tidy, zeros,
} from '../src/index.js';
import { withBackend } from '../src/testing/index.js';
import { BACKENDS } from './backends.js';

const MiB = 2 ** 20;

describe.each(BACKENDS)('allocation limit on the %s', (_label, make) => {
  const backend = make();
  afterAll(() => backend.dispose?.());
  const limited = <T>(bytes: number, fn: () => T): T => withBackend(backend, () => {
    setMemoryLimit(bytes);
    try {
      return tidy(fn);
    } finally {
      setMemoryLimit(null);
    }
  });

  it('refuses a tensor over the limit before allocating, naming the op, the shape and the bytes', () => {
    limited(MiB, () => {
      expect(() => zeros([1024, 1024])).toThrow(OutOfMemoryError);
      expect(() => zeros([1024, 1024])).toThrow(/^zeros: refusing to allocate 4\.0 MiB \(4194304 bytes\) for float32 tensor \[1024, 1024\]: the \S+ backend holds 0 B of tensors and its memory limit is 1\.0 MiB/);
      expect(() => tensor(new Float64Array(MiB / 4))).toThrow(/^tensor: refusing to allocate 2\.0 MiB \(2097152 bytes\) for float64 tensor \[262144\]/);
    });
  });

  it('refuses a kernel output over the limit, naming the kernel and its inputs', () => {
    limited(MiB, () => {
      const a = zeros([512, 1]), b = zeros([1, 1024]);
      const err = (() => {
        try {
          matmul(a, b);
        } catch (e) {
          return e;
        }
        return null;
      })();
      expect(err).toBeInstanceOf(OutOfMemoryError);
      expect((err as Error).message).toMatch(/^matmul: refusing to allocate 2\.0 MiB \(2097152 bytes\) .*from inputs \[512, 1\], \[1, 1024\]/);
      expect((err as OutOfMemoryError).op).toBe('matmul');
      expect((err as OutOfMemoryError).bytes).toBe(2097152);
    });
  });

  it('counts what is alive: a third tensor is refused until one is disposed', () => {
    limited(MiB, () => {
      const a = zeros([100, 1000]);
      zeros([100, 1000]);
      expect(memoryBudget().inUse).toBe(800_000);
      expect(memoryBudget().available).toBe(MiB - 800_000);
      expect(() => zeros([100, 1000])).toThrow(/holds 781\.3 KiB of tensors/);
      a.dispose();
      expect(zeros([100, 1000]).shape).toEqual([100, 1000]);
    });
  });

  it('turns the JavaScript engine\'s RangeError into the same typed error', () => {
    limited(Infinity, () => {
      expect(() => zeros([2 ** 31, 8])).toThrow(OutOfMemoryError);
      expect(() => zeros([2 ** 31, 8])).toThrow(/^zeros: refusing to allocate .*\[2147483648, 8\]: the JavaScript engine could not allocate it \(Invalid typed array length/);
    });
  });
});

describe('the default limit and the wasm backend of the issue', () => {
  it('is half of physical memory, and per backend', () => {
    expect(defaultMemoryLimit()).toBe(Math.floor(Math.min(totalmem(), process.constrainedMemory?.() || Infinity) / 2));
    const a = new WasmBackend({ threads: 1 }), b = new WasmBackend({ threads: 1 });
    setMemoryLimit(123 * MiB, a);
    expect(memoryLimit(a)).toBe(123 * MiB);
    expect(memoryLimit(b)).toBe(defaultMemoryLimit());
    setMemoryLimit(null, a);
    expect(memoryLimit(a)).toBe(defaultMemoryLimit());
    expect(() => setMemoryLimit(-1, a)).toThrow(/setMemoryLimit: bytes must be a positive number, Infinity or null/);
  });

  it('zeros([65536, 65536]) (16 GiB) is refused at once on the wasm backend instead of allocated', () => {
    const wasm = new WasmBackend({ threads: 1 });
    const started = Date.now();
    withBackend(wasm, () => {
      setMemoryLimit(8 * 2 ** 30);
      expect(() => zeros([65536, 65536])).toThrow(/^zeros: refusing to allocate 16\.0 GiB \(17179869184 bytes\) for float32 tensor \[65536, 65536\]: the wasm backend/);
    });
    expect(Date.now() - started).toBeLessThan(1000);
  });
});

describe('peak memory', () => {
  it('is the most tensor bytes held at once since the last reset', () => {
    withBackend(new CpuBackend(), () => {
      resetPeakMemory();
      tidy(() => {
        const a = zeros([1000]);
        zeros([500]);
        a.dispose();
        zeros([100]);
      });
      expect(peakMemory()).toBe(6000);
      resetPeakMemory();
      expect(peakMemory()).toBe(0);
    });
  });
});
