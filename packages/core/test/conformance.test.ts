import { afterAll, describe, expect, it } from 'vitest';
import { FLOAT32_TOLERANCE, checkCase, conformanceCases, withBackend } from '../src/testing/index.js';
import { BACKENDS } from './backends.js';

// Every conformance case on every backend, checked against the definitions themselves (the CPU
// backend is the reference, so it cannot be checked against itself): the wasm backend runs
// single-threaded, with the worker pool, and on a plain memory with tensors on the host (the
// fallback of a browser page without cross-origin isolation).
describe.each(BACKENDS)('conformance: %s, against the naive definitions', (_label, make) => {
  const backend = make();
  afterAll(() => backend.dispose?.());
  it.each(conformanceCases().map((c) => [c.name, c] as const))('%s', (_name, c) => {
    for (const seed of [1, 2]) {
      expect(withBackend(backend, () => checkCase(c, seed, FLOAT32_TOLERANCE))).toBeNull();
    }
  });
});
