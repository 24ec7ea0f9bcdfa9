import { ValueError, cast, tensor } from '@kwta/core';
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
