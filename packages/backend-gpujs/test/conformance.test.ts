import { CpuBackend } from '@kwta/core';
import { checkAgainstReference, conformanceCases } from '@kwta/core/testing';
import { describe, expect, it } from 'vitest';
import { GpuJsBackend, tolerances } from '../src/index.js';
import { TEST_MODES } from './modes.js';

// The whole core suite, unchanged, on each CPU-family mode, against the CPU backend. Selection
// runs through the radix kernels here (the host path is the CPU backend's own code).
describe.each(TEST_MODES)('conformance: gpujs %s mode vs the cpu backend', (mode) => {
  const backend = new GpuJsBackend({ mode, selection: 'kernels', strict: true });
  const reference = new CpuBackend();
  it.each(conformanceCases().map((c) => [c.name, c] as const))('%s', (_name, c) => {
    for (const seed of [1, 2]) {
      expect(checkAgainstReference(c, seed, backend, reference, tolerances[mode])).toBeNull();
    }
  });
});
