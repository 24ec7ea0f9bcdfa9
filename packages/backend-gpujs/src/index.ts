/**
 * @kwta/backend-gpujs: a @kwta/core backend on gpu.js. Every kernel is generated per op and
 * shape, compiled once, and run in pipeline mode; k-WTA selection is a radix-select pipeline.
 */
export { GpuJsBackend, type GpuJsBackendOptions } from './backend.js';
export { availableModes, createGpu, CPU_FAMILY, type GpuJsMode } from './modes.js';
export { tolerances, type ModeTolerance } from './tolerance.js';
export { CHUNK as SELECTION_CHUNK } from './kernels/select.js';
