import { describe, expect, it } from 'vitest';
import { CpuBackend } from '../src/index.js';
import { FLOAT32_TOLERANCE, checkCase, conformanceCases, withBackend } from '../src/testing/index.js';

// The CPU backend is the reference, so it is checked against the definitions themselves.
describe('conformance: cpu backend against the naive definitions', () => {
  const backend = new CpuBackend();
  it.each(conformanceCases().map((c) => [c.name, c] as const))('%s', (_name, c) => {
    for (const seed of [1, 2]) {
      expect(withBackend(backend, () => checkCase(c, seed, FLOAT32_TOLERANCE))).toBeNull();
    }
  });
});
