/**
 * @kwta/core: tensors, a from-scratch reverse-mode autodiff, the backend interface and a
 * pure-TypeScript CPU backend.
 */
export * from './dtype.js';
export * from './errors.js';
export * from './shape.js';
export { Generator } from './random.js';
export * from './backend.js';
export { CpuBackend, runReferenceKernel, type CpuArray } from './backends/cpu/index.js';
export { Tensor, type NestedArray, type Storage, type StorageStructure } from './tensor.js';
export {
  tidy, keep, memory, noGrad, enableGrad, isGradEnabled, setBackend, getBackend, setSparsePath, getSparsePath, withSparsePath, type SparsePathMode,
  setMemoryLimit, memoryLimit, memoryBudget, peakMemory, resetPeakMemory, detectAnomaly, setDetectAnomaly,
} from './engine.js';
export { defaultMemoryLimit, physicalMemory, guardAllocation, currentSite, fmtBytes, type AllocationSite } from './memory-limit.js';
export { countCorrect, accuracy } from './metrics.js';
export { profileKernels, type KernelProfile, type KernelStat, type ProfileOptions } from './profile.js';
export { backward, gradients, grad, valueAndGrad, type BackwardOptions, type GradNode } from './autodiff/tape.js';
export { customGrad, type CustomGradResult, type GradFunc } from './autodiff/custom.js';
export * from './ops/index.js';
export type { SparseRates } from './backends/sparse-cost.js';
export { WasmBackend, createCpuBackend, wasmSimdSupported, hardwareThreads, type WasmBackendOptions } from './backends/wasm/index.js';
export type { HeapStats } from './backends/wasm/heap.js';
