import { OutOfMemoryError, ValueError, cast, matmul, setMemoryLimit, tensor, zeros } from '@kwta/core';
import { withBackend } from '@kwta/core/testing';
import { describe, expect, it } from 'vitest';
import { GpuJsBackend, type GpuJsMode } from '../src/index.js';
import { TEST_MODES } from './modes.js';

// What the CPU backend refuses, this backend refuses the same way: a shader cannot throw, so
// these checks run on the host.
describe.each(TEST_MODES)('gpujs %s mode refuses as the CPU backend does', (mode: GpuJsMode) => {
  it('cast to int32 of a value int32 cannot hold', () => {
    const backend = new GpuJsBackend({ mode });
    withBackend(backend, () => {
      expect(() => cast(tensor([1, 3e9]), 'int32')).toThrow(ValueError);
      expect(() => cast(tensor([1, 3e9]), 'int32')).toThrow(/cast: 3000000000 at index 1 does not fit int32/);
      expect(Array.from(cast(tensor([7.9, -2.5]), 'int32').dataSync())).toEqual([7, -2]);
    });
    backend.dispose();
  });
});

describe.each(TEST_MODES)('gpujs %s mode: the memory limit', (mode: GpuJsMode) => {
  it('refuses a tensor and a kernel output over the limit by op, shape and bytes, before any texture is made', () => {
    const backend = new GpuJsBackend({ mode });
    withBackend(backend, () => {
      setMemoryLimit(2 ** 20);
      expect(() => zeros([1024, 1024])).toThrow(OutOfMemoryError);
      expect(() => zeros([1024, 1024])).toThrow(/^zeros: refusing to allocate 4\.0 MiB \(4194304 bytes\) for float32 tensor \[1024, 1024\]: the gpujs-\w+ backend/);
      const a = zeros([512, 1]), b = zeros([1, 1024]);
      const textures = backend.liveTextures;
      expect(() => matmul(a, b)).toThrow(/^matmul: refusing to allocate 2\.0 MiB \(2097152 bytes\) for float32 tensor \[512, 1024\] from inputs \[512, 1\], \[1, 1024\]/);
      expect(backend.liveTextures).toBe(textures);
      a.dispose();
      b.dispose();
    });
    backend.dispose();
  });
});
