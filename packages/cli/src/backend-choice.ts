import { createCpuBackend, setBackend, type Backend } from '@kwta/core';
import { CliError } from './spec.js';

/** The backends `--backend` accepts. */
export const BACKENDS = ['wasm', 'js', 'gpujs'] as const;
/** A backend `--backend` accepts: 'wasm', 'js' or 'gpujs'. */
export type BackendName = (typeof BACKENDS)[number];

/**
 * Pick the compute backend for a command. 'wasm' (default): the CPU backend with WebAssembly
 * SIMD GEMM/conv on every core (falls back to 'js' where SIMD is missing); 'js': the pure
 * TypeScript reference kernels; 'gpujs': @kwta/backend-gpujs in the given gpu.js mode (loaded
 * only when asked for, so the CLI runs without gpu.js installed).
 */
export async function useBackend(name: string, gpuMode?: string): Promise<Backend> {
  let backend: Backend;
  if (name === 'wasm' || name === 'js') backend = createCpuBackend(name);
  else if (name === 'gpujs') {
    if (!gpuMode) throw new CliError('--backend gpujs needs --gpu-mode (cpu, webasm, headlessgl)');
    let mod: typeof import('@kwta/backend-gpujs');
    try {
      mod = await import('@kwta/backend-gpujs');
    } catch (e) {
      throw new CliError(`--backend gpujs: @kwta/backend-gpujs is not installed (${(e as Error).message})`);
    }
    backend = new mod.GpuJsBackend({ mode: gpuMode as never });
  } else throw new CliError(`unknown backend '${name}' (expected ${BACKENDS.join(', ')})`);
  setBackend(backend);
  return backend;
}
