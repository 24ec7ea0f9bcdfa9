/**
 * @kwta/core/internal: engine parts that tests, benchmarks and sibling backends
 * (@kwta/backend-gpujs) reach into; not the user API and
 * without its stability promise. The GEMM micro-kernel and its reference, the CPU kernel table,
 * the gradient rules and tape recipes, a wasm backend's runtime context, and the sparse-input
 * kernels with their cost model (issue 14; the ops call them through the kernel table).
 */
export { gemm, gemmReference, type MatView } from './backends/cpu/gemm.js';
export { cpuKernels } from './backends/cpu/index.js';
export type { CpuKernel, CpuKernelTable } from './backends/cpu/types.js';
export { gradRules, broadcastsInputs, sumToShape, type DiffOp, type OpAttrs, type GradRule, type GradRules } from './autodiff/rules.js';
export { tapeRecipes, type TapeEntry, type TapeRecipe } from './autodiff/nodes.js';
export { wasmContext } from './backends/wasm/index.js';
/** The adjoint ops the backward rules call (conv2dBackwardInput, maxPool2dBackward, scatterAdd, ...). */
export * from './ops/adjoints.js';
export type { WasmContext } from './backends/wasm/context.js';
export * from './sparse.js';
/** The op definition tables every backend's elementwise kernels are derived from (gpu.js expressions, wasm emitters, gradient rules). */
export {
  unaryOps, binaryOps, compareOps, derivedOps, UNARY_OPS, BINARY_OPS, COMPARE_OPS, DERIVED_OPS,
  type UnaryDef, type BinaryDef, type CompareDef, type DerivedDef, type DerivedOp, type DiffUnaryOp, type DiffBinaryOp,
} from './ops/definitions/index.js';
