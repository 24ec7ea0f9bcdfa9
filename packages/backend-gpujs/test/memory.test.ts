import { memory, setBackend, getBackend } from '@kwta/core';
import { makeTrainer } from '@kwta/core/testing';
import { describe, expect, it } from 'vitest';
import { GpuJsBackend } from '../src/index.js';
import { TEST_MODES } from './modes.js';

describe.each(TEST_MODES)('leak test: gpujs %s mode', (mode) => {
  it('1000 training steps keep live tensors, buffers and device buffers flat', () => {
    // The radix-select kernels (not the host path) so their temporaries are counted too.
    const backend = new GpuJsBackend({ mode, selection: 'kernels', strict: true });
    const prev = getBackend();
    setBackend(backend);
    try {
      const trainer = makeTrainer();
      const losses = [trainer.step()];
      const start = { ...memory(), textures: backend.liveTextures, kernels: backend.compiledKernels };
      for (let i = 1; i < 1000; i++) losses.push(trainer.step());
      const end = { ...memory(), textures: backend.liveTextures, kernels: backend.compiledKernels };
      expect(end).toEqual(start);
      expect(losses[999]).toBeLessThan(losses[0]);
      trainer.dispose();
      // Everything the trainer held is gone: nothing of this backend is left alive.
      expect(backend.memory().numBuffers).toBe(0);
      expect(backend.liveTextures).toBe(0);
    } finally {
      setBackend(prev);
    }
  });
});
