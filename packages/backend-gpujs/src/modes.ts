import { BackendError } from '@kwta/core';
import { CPUKernel, GPU, HeadlessGLKernel, WebAssemblyKernel, WebGL2Kernel, WebGLKernel } from 'gpu.js';

/**
 * gpu.js modes this backend accepts. `webgpu` exists in gpu.js 2.24 but its kernels only return
 * Promises, while the core Backend interface is synchronous (`read` returns values), so it is
 * refused with an explanation instead of being faked.
 */
export type GpuJsMode = 'cpu' | 'webasm' | 'headlessgl' | 'webgl2' | 'webgl' | 'webgpu';

export const CPU_FAMILY: readonly GpuJsMode[] = ['cpu', 'webasm'];

/** Which modes gpu.js reports as usable in this process (no kernel is compiled). */
export function availableModes(): GpuJsMode[] {
  const out: GpuJsMode[] = ['cpu'];
  if (GPU.isWebAssemblySupported) out.push('webasm');
  if (GPU.isHeadlessGLSupported) out.push('headlessgl');
  if (GPU.isWebGL2Supported) out.push('webgl2');
  if (GPU.isWebGLSupported) out.push('webgl');
  return out;
}

/**
 * Create a gpu.js instance in exactly `mode`. gpu.js's default mode silently depends on whether a
 * display exists, so the mode is always explicit, and an unavailable one is an error, not a fallback.
 */
export function createGpu(mode: GpuJsMode): GPU {
  if (mode === 'webgpu') {
    throw new BackendError(
      'gpujs backend: mode "webgpu" is not supported: gpu.js webgpu kernels return Promises and the @kwta/core ' +
        'Backend interface is synchronous; use "webgl2" in the browser or "headlessgl" in Node',
    );
  }
  const supported: Record<Exclude<GpuJsMode, 'webgpu'>, () => boolean> = {
    cpu: () => true,
    webasm: () => GPU.isWebAssemblySupported,
    headlessgl: () => GPU.isHeadlessGLSupported,
    webgl2: () => GPU.isWebGL2Supported,
    webgl: () => GPU.isWebGLSupported,
  };
  if (!(mode in supported)) throw new BackendError(`gpujs backend: unknown mode "${mode}" (expected one of ${Object.keys(supported).join(', ')})`);
  if (!supported[mode]()) {
    const hint = mode === 'headlessgl' ? ' (install the optional native "gl" package; see the README)' : '';
    throw new BackendError(`gpujs backend: mode "${mode}" is not available in this environment${hint}`);
  }
  const gpu = new GPU({ mode });
  const chosen = (gpu as unknown as { Kernel: unknown }).Kernel;
  if (chosen !== kernelClass(mode)) {
    throw new BackendError(`gpujs backend: asked gpu.js for mode "${mode}" but it chose ${(chosen as { name?: string })?.name ?? String(chosen)}`);
  }
  return gpu;
}

/**
 * The gpu.js kernel class that implements `mode`. Every GL class reports its static mode as
 * "gpu", so the class itself is what tells webgl2 from webgl or headless-gl.
 */
export function kernelClass(mode: GpuJsMode): unknown {
  const classes: Record<GpuJsMode, unknown> = {
    cpu: CPUKernel, webasm: WebAssemblyKernel, headlessgl: HeadlessGLKernel, webgl2: WebGL2Kernel, webgl: WebGLKernel, webgpu: null,
  };
  return classes[mode];
}
