import { afterAll, describe, expect, it } from 'vitest';
import { WasmBackend } from '../src/backends/wasm/index.js';
import { FLOAT32_TOLERANCE, checkCase, conformanceCases, withBackend } from '../src/testing/index.js';

// Every conformance case on the wasm path, checked against the definitions (not against the CPU
// backend), once single-threaded and once with the worker pool, with the small-work threshold
// pushed down so even the tiny cases cross threads.
describe.each([1, 2])('conformance: wasm backend, %i thread(s), against the naive definitions', (threads) => {
  const backend = new WasmBackend({ threads, minParallelFlops: 0 });
  afterAll(() => backend.dispose());
  it.each(conformanceCases().map((c) => [c.name, c] as const))('%s', (_name, c) => {
    for (const seed of [1, 2]) {
      expect(withBackend(backend, () => checkCase(c, seed, FLOAT32_TOLERANCE))).toBeNull();
    }
  });
});
