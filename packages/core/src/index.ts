/**
 * @kwta/core: tensors, a from-scratch reverse-mode autodiff, the backend interface and a
 * pure-TypeScript CPU backend.
 */
export * from './dtype.js';
export * from './errors.js';
export * from './shape.js';
export { Generator } from './random.js';
export * from './backend.js';
export { CpuBackend, cpuKernels, runReferenceKernel, type CpuArray } from './backends/cpu/index.js';
export { gemm, gemmReference, type MatView } from './backends/cpu/gemm.js';
export { Tensor, type NestedArray, type Storage } from './tensor.js';
export { tidy, keep, memory, noGrad, enableGrad, isGradEnabled, setBackend, getBackend } from './engine.js';
export { profileKernels, type KernelProfile, type KernelStat } from './profile.js';
export { backward, gradients, grad, valueAndGrad, type BackwardOptions, type GradNode } from './autodiff/tape.js';
export { gradRules, BROADCASTING_OPS, sumToShape, type DiffOp, type OpAttrs, type GradRule } from './autodiff/rules.js';
export * from './ops/index.js';
export * from './ops/adjoints.js';
export { WasmBackend, createCpuBackend, wasmSimdSupported, hardwareThreads, type WasmBackendOptions } from './backends/wasm/index.js';
