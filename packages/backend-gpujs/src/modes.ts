import { BackendError } from '@kwta/core';
import { CPUKernel, GPU, HeadlessGLKernel, WebAssemblyKernel, WebGL2Kernel, WebGLKernel } from 'gpu.js';

/**
 * gpu.js modes this backend accepts. `webgpu` exists in gpu.js 2.24 but its kernels only return
 * Promises, while the core Backend interface is synchronous (`read` returns values), so it is
 * refused with an explanation instead of being faked.
 */
export type GpuJsMode = 'cpu' | 'webasm' | 'headlessgl' | 'webgl2' | 'webgl' | 'webgpu';

/** The gpu.js modes that run on the CPU (no GPU, no texture limits). */
export const CPU_FAMILY: readonly GpuJsMode[] = ['cpu', 'webasm'];

/** The WebGL flavours of a rendering context, as this backend uses them. */
export type WebGLContext = WebGLRenderingContext | WebGL2RenderingContext;

/** Which modes gpu.js reports as usable in this process (no kernel is compiled). */
export function availableModes(): GpuJsMode[] {
  const out: GpuJsMode[] = ['cpu'];
  if (GPU.isWebAssemblySupported) out.push('webasm');
  if (GPU.isHeadlessGLSupported) out.push('headlessgl');
  if (GPU.isWebGL2Supported) out.push('webgl2');
  if (GPU.isWebGLSupported) out.push('webgl');
  return out;
}

/** A gpu.js instance with the WebGL context it runs on (null in cpu/webasm), watched for loss. */
export interface GlContext {
  gpu: GPU;
  gl: WebGLContext | null;
  /** Whether the WebGL context was lost (always false without one). */
  isLost(): boolean;
  /** The error text for `what` failing on a lost context. */
  lostMessage(what: string): string;
}

interface KernelStatics {
  prototype: { initCanvas(): unknown; initContext(this: { canvas: unknown }): WebGLContext | null };
}

/**
 * Create a gpu.js instance in exactly `mode`. gpu.js's default mode silently depends on whether a
 * display exists, so the mode is always explicit, and an unavailable one is an error, not a
 * fallback. In the GL modes the canvas and context are made here (with gpu.js's own recipe) so
 * that the backend can watch the context for loss.
 */
export function createGpu(mode: GpuJsMode): GlContext {
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
  const ctx = mode === 'cpu' || mode === 'webasm' ? hostContext(mode) : glContext(mode);
  const chosen = (ctx.gpu as unknown as { Kernel: unknown }).Kernel;
  if (chosen !== kernelClass(mode)) {
    throw new BackendError(`gpujs backend: asked gpu.js for mode "${mode}" but it chose ${(chosen as { name?: string })?.name ?? String(chosen)}`);
  }
  return ctx;
}

function hostContext(mode: GpuJsMode): GlContext {
  return { gpu: new GPU({ mode }), gl: null, isLost: () => false, lostMessage: () => '' };
}

function glContext(mode: GpuJsMode): GlContext {
  const proto = (kernelClass(mode) as KernelStatics).prototype;
  const canvas = proto.initCanvas.call({}) as { addEventListener?: (type: string, f: (e: Event) => void) => void };
  const gl = proto.initContext.call({ canvas });
  if (!gl) throw new BackendError(`gpujs backend: mode "${mode}" is available but creating its WebGL context failed (too many contexts open, or the GPU is blocklisted)`);
  let lostAt: string | null = null;
  // preventDefault: the browser may then offer the canvas back (webglcontextrestored); recovery
  // does not wait for that, it starts a new context (GpuJsBackend.recover).
  canvas.addEventListener?.('webglcontextlost', (e) => {
    e.preventDefault();
    lostAt ??= new Date().toISOString();
  });
  const isLost = () => lostAt !== null || gl.isContextLost();
  return {
    gpu: new GPU({ mode, canvas, context: gl } as ConstructorParameters<typeof GPU>[0]),
    gl,
    isLost,
    lostMessage: (what) =>
      `gpujs backend (${mode}): the WebGL context was lost${lostAt ? ` (webglcontextlost at ${lostAt})` : ''}, so ${what} cannot run. ` +
      'Tensors that lived on that context are gone: call backend.recover() for a new context, then re-create or re-upload them (from a checkpoint)',
  };
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
