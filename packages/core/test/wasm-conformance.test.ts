import { afterAll, describe, expect, it } from 'vitest';
import { WasmBackend } from '../src/backends/wasm/index.js';
import { FLOAT32_TOLERANCE, checkCase, conformanceCases, withBackend } from '../src/testing/index.js';
import { WASM_CONFIGS } from './wasm-configs.js';

// Every conformance case on the wasm path, checked against the definitions (not against the CPU
// backend): single-threaded, with the worker pool (the small-work threshold pushed down so even
// the tiny cases cross threads), and on a plain memory with tensors on the host (the fallback of
// a browser page without cross-origin isolation).
describe.each(WASM_CONFIGS)('conformance: wasm backend, %s, against the naive definitions', (_label, opts) => {
  const backend = new WasmBackend({ ...opts, minParallelFlops: 0 });
  it('has the storage this configuration promises', () => {
    expect(backend.tensorsInWasm).toBe(opts.sharedMemory !== false);
  });
  afterAll(() => backend.dispose());
  it.each(conformanceCases().map((c) => [c.name, c] as const))('%s', (_name, c) => {
    for (const seed of [1, 2]) {
      expect(withBackend(backend, () => checkCase(c, seed, FLOAT32_TOLERANCE))).toBeNull();
    }
  });
});
