import { CpuBackend, WasmBackend, getBackend, wasmSimdSupported, type Backend } from '@kwta/core';

/**
 * Which @kwta/core backend a kwta contender runs on. 'default' is the engine's own default (the
 * core suites' 'kwta'), 'js' the pure-TypeScript kernels, 'wasm' the WebAssembly SIMD kernels on
 * two threads (the machine's two cores), 'wasm-gemm' the same with only matmul and the
 * convolutions on wasm and tensors on the host (the backend before issue 8's heap and
 * elementwise kernels, for before/after ratios measured in one run).
 */
export type KwtaBackendKind = 'default' | 'js' | 'wasm' | 'wasm-gemm';

/** Threads of the 'wasm' contenders: issue 8's targets are stated for 2 cores. */
export const WASM_THREADS = 2;

// Captured at load, before any suite switches backends, so 'default' stays the engine's default.
const engineDefault = getBackend();
const cache = new Map<KwtaBackendKind, Backend>();

/** One backend instance per kind for the whole process (the wasm worker pool starts once). */
export function kwtaBackend(kind: KwtaBackendKind): Backend {
  let b = cache.get(kind);
  if (!b) {
    if (kind === 'wasm' && !wasmSimdSupported()) throw new Error('kwta-wasm: this runtime has no WebAssembly SIMD; the wasm suites cannot run');
    b = kind === 'default' ? engineDefault
      : kind === 'js' ? new CpuBackend()
        : new WasmBackend({ threads: WASM_THREADS, accelerate: kind === 'wasm-gemm' ? 'gemm' : 'all' });
    cache.set(kind, b);
  }
  return b;
}

/** Facts for a suite's environment: what each backend really is (threads actually started). */
export function kwtaBackendInfo(kind: KwtaBackendKind): Record<string, unknown> {
  const b = kwtaBackend(kind);
  return { name: b.name, ...(b instanceof WasmBackend ? { threads: b.threads, simd: true } : {}) };
}
