import { CpuBackend, WasmBackend, hardwareThreads, setBackend, wasmSimdSupported, type Backend } from '@kwta/core';
import { GpuJsBackend } from '@kwta/backend-gpujs';
import type { BackendInfo, BackendKind } from '../protocol.js';

/** Whether this context may share memory between threads (a cross-origin-isolated page or Node). */
export function crossOriginIsolated(): boolean {
  const g = globalThis as { crossOriginIsolated?: boolean };
  // Node has no such flag and always has SharedArrayBuffer.
  return g.crossOriginIsolated ?? typeof SharedArrayBuffer !== 'undefined';
}

export interface StartedBackend {
  backend: Backend;
  info: BackendInfo;
}

/**
 * Make `kind` the engine's backend. The wasm backend runs its worker pool only where memory can
 * be shared: on a page served without the COOP/COEP headers it runs on one thread, and says so.
 */
export async function startBackend(kind: BackendKind, threads?: number): Promise<StartedBackend> {
  const isolated = crossOriginIsolated();
  let backend: Backend;
  let info: BackendInfo;
  if (kind === 'wasm') {
    const wanted = threads ?? Math.min(4, hardwareThreads());
    const wasm = new WasmBackend({ threads: isolated ? wanted : 1, sharedMemory: isolated });
    const running = await wasm.ready;
    backend = wasm;
    const simd = wasmSimdSupported() ? 'WebAssembly SIMD' : 'WebAssembly';
    info = {
      kind, isolated, threads: running,
      label: `${simd}, ${running} thread${running === 1 ? '' : 's'}`,
      detail: isolated
        ? `cross-origin isolated: ${running} threads share one WebAssembly memory`
        : 'one thread: this page is not cross-origin isolated (the server sent no COOP/COEP headers), so threads cannot share memory',
    };
  } else if (kind === 'cpu') {
    backend = new CpuBackend();
    info = { kind, isolated, threads: 1, label: 'plain TypeScript, 1 thread', detail: 'the reference CPU backend: plain TypeScript loops, no WebAssembly' };
  } else {
    const gpu = new GpuJsBackend({ mode: 'webgl2' });
    backend = gpu;
    info = { kind, isolated, threads: 1, label: 'gpu.js WebGL2', detail: `gpu.js kernels compiled to WebGL2 shaders (mode ${gpu.mode}); the first run of each shape compiles it` };
  }
  setBackend(backend);
  return { backend, info };
}
