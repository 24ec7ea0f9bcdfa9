import type { WasmBackendOptions } from '../src/backends/wasm/index.js';

/**
 * The wasm backend configurations the kernel suites run on: one thread, the worker pool, and a
 * plain (non-shared) memory with tensors on the host (the fallback of a browser page without
 * cross-origin isolation). Suites add `minParallelFlops: 0` so even tiny cases cross threads.
 */
export const WASM_CONFIGS: [label: string, options: WasmBackendOptions][] = [
  ['1 thread', { threads: 1 }],
  ['2 threads', { threads: 2 }],
  ['1 thread, plain memory, host tensors', { threads: 1, sharedMemory: false }],
];
