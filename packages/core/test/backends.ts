import { CpuBackend, type Backend } from '../src/index.js';
import { WasmBackend } from '../src/backends/wasm/index.js';
import { WASM_CONFIGS } from './wasm-configs.js';

export type MakeBackend = () => Backend & { dispose?(): void };

/**
 * Every backend core ships, in every configuration the suites must cover: the conformance suite,
 * the float32 gradient comparison and the leak test iterate over this list, and the registry test
 * (backend-registry.test.ts) fails if core exports a Backend that no entry makes. The wasm
 * configurations force the worker pool on (`minParallelFlops: 0`) so even tiny cases cross threads.
 */
export const BACKENDS: [label: string, make: MakeBackend][] = [
  ['cpu backend', () => new CpuBackend()],
  ...WASM_CONFIGS.map(([label, opts]): [string, MakeBackend] => [`wasm backend, ${label}`, () => new WasmBackend({ ...opts, minParallelFlops: 0 })]),
];

/** The reference the others are compared with (the CPU backend). */
export const REFERENCE = BACKENDS[0];
