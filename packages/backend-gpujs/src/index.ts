/**
 * @kwta/backend-gpujs: a @kwta/core backend on gpu.js. Every kernel is generated per op and
 * shape, compiled once, and run in pipeline mode; k-WTA selection is a radix-select pipeline.
 * Launches larger than a texture are cut to fit; a lost WebGL context is reported and recoverable.
 */
export { GpuJsBackend, type GpuJsBackendOptions } from './backend.js';
export { availableModes, createGpu, CPU_FAMILY, type GlContext, type GpuJsMode, type WebGLContext } from './modes.js';
export { tolerances, type ModeTolerance } from './tolerance.js';
export { CHUNK as SELECTION_CHUNK } from './kernels/select.js';
export { ContextLostError } from './errors.js';
export { missingCapabilities, requireCapabilities, type Capabilities } from './capabilities.js';
export { EXACT_INDEX_LIMIT, textureCapacity } from './split/capacity.js';
export { KernelErrorProbe, kernelLabel, type KernelError } from './precision.js';
